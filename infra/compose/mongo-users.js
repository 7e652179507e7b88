// One MongoDB user per service, each allowed to read and write only its own database, so a
// service's credentials (or a flaw in it) cannot reach another service's data. Run by the
// mongo image on the first start (docker-entrypoint-initdb.d), as the root user.
for (const service of ["enrollment", "sessions", "measures", "notifications"]) {
  const password = process.env[`MONGO_${service.toUpperCase()}_PASSWORD`];
  if (!password) {
    throw new Error(`MONGO_${service.toUpperCase()}_PASSWORD is not set`);
  }
  const database = `samla_${service}`;
  db.getSiblingDB(database).createUser({
    user: service, pwd: password, roles: [{ role: "readWrite", db: database }],
  });
}
