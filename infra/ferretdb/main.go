// Command ferretdb runs FerretDB v1 (SQLite handler by default, PostgreSQL on request) through its
// embeddable package.
//
// A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary
// that panics at start because the module lacks its generated version file (upstream
// issue 2982). The embeddable package sets its own version record, so wrapping it in this
// small main module gives a working server built only from the Go module proxy.
//
// infra/local/stack.py builds it with the patches in this folder applied to the module
// (sqlite-id-index.patch: lookups by _id use the _id index instead of scanning the table).
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to accept MongoDB wire-protocol clients on")
	dataDir := flag.String("data", "data", "directory holding the SQLite databases")
	handler := flag.String("handler", "sqlite", "storage: sqlite (the default), or postgresql (with -postgresql-url)")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL to store in, for -handler postgresql "+
		"(bench/bench_database_backends.py compares the two)")
	flag.Parse()

	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		log.Fatalf("cannot create data directory: %v", err)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     "file:" + *dataDir + "/",
		PostgreSQLURL: *postgresURL,
	})
	if err != nil {
		log.Fatalf("cannot configure FerretDB: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log.Printf("FerretDB listening on %s (data in %s)", *listen, *dataDir)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatalf("FerretDB stopped: %v", err)
	}
}
