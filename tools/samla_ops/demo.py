"""A small demo region, loaded through the services' public APIs, so a newcomer sees a living platform.

    python -m samla_ops demo     (or `make demo` after `make up`)

Built from the programmes in the users' own documents (their facts, in our words):

- the culture-competence programme (KULT): a two-day kickoff, a one-day gathering, a digital
  meeting and a one-day closing; no fee, travel paid by the employer; for internal resource
  people who facilitate culture work in other units than their own. A cohort that began three
  weeks ago (its kickoff held, attendance taken) and one open for applications;
- the workshop programme of "Der skoen trykker", whose digital workshop has a morning agenda
  of talks, group work and plenary, and whose dialogue cloth for party cooperation is a method
  of the toolbox; a measure in the ward uses it, agreed by the three parties, followed up twice;
- the full-time culture learning network: a measure mapping what part-time work does to the
  service, with the share of full-time positions as its indicator; and a proposed sick-leave
  routine that waits for the representatives' agreement.

Everyone acts as themself: each call carries a token the development issuer mints for that
demo person (infra/local/demo_people.json), so the services' access rules apply as they do for
people in the portal. Running it again changes nothing: each step looks first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from samla_shared.clock import local_today

NETWORK, ORGANISATION, UNIT = "net-demo", "org-demo", "unit-demo-ward"
WARD = {"networks": [NETWORK], "organisations": [ORGANISATION], "units": [UNIT]}
PEOPLE = {
    "coordinator": {"subject": "demo-coordinator", "person_id": "demo-coordinator",
                    "roles": ["programme_coordinator", "network_coordinator"], "networks": [NETWORK]},
    "leader": {"subject": "demo-leader", "person_id": "demo-leader", "roles": ["organisation_leader"], **WARD},
    "union_representative": {"subject": "demo-union-rep", "person_id": "demo-union-rep",
                             "roles": ["union_representative"], **WARD},
    "safety_representative": {"subject": "demo-safety-rep", "person_id": "demo-safety-rep",
                              "roles": ["safety_representative"], **WARD},
    "participant": {"subject": "demo-participant", "person_id": "demo-participant", "roles": ["participant"],
                    "name": "Sofie Lund", "email": "sofie.lund@demo.samla.example", **WARD},
}
# Fictional colleagues in the culture-competence programme.
COLLEAGUES = [("Kari Nilsen", "sykepleier"), ("Ola Berg", "helsefagarbeider"), ("Nora Strand", "vernepleier"),
              ("Jonas Eide", "sykepleier")]
KULT_PLAN = [{"kind": "kickoff", "days": 2}, {"kind": "gathering", "days": 1, "weeks_after_previous": 6},
             {"kind": "digital_meeting", "days": 1, "online": True, "weeks_after_previous": 4},
             {"kind": "closing", "days": 1, "weeks_after_previous": 6}]
KULT_METHODS = ["concretising-values", "group-norms", "inside-outside", "expectations-and-contributions",
                "valuing-difference", "experience-based-learning", "positive-organisational-development"]
# The digital workshop's morning, as its programme lays it out (times local, titles ours).
WORKSHOP_AGENDA = [("08:15", "08:30", "Innsjekk og oppkobling", "check_in"),
                   ("08:30", "08:40", "Velkommen", "welcome"),
                   ("08:40", "08:50", "Film: kort om Der skoen trykker", "film"),
                   ("08:50", "09:05", "Fra tiltak til praksis: erfaringer fra et sykehus", "talk"),
                   ("09:05", "09:15", "Pause", "break"),
                   ("09:15", "09:35", "Kontinuerlig forbedring i arbeidet", "talk"),
                   ("09:35", "10:15", "Gruppearbeid", "group_work"),
                   ("10:15", "10:40", "Gruppene legger fram i plenum", "plenary"),
                   ("10:40", "11:10", "Lang pause", "break"),
                   ("11:10", "12:00", "HMS i offentlig sektor: den sjuende faktoren", "talk"),
                   ("12:00", "12:30", "Gruppearbeid med dialogduken", "dialogue_exercise"),
                   ("12:30", "12:50", "Plenum", "plenary"),
                   ("12:50", "13:00", "Oppsummering og avslutning", "summary")]

# The dialogue cloth: a warm-up and four tasks, four people round each cloth.
DIALOGUE_CLOTH = {"group_size": 4, "steps": [{"title": "Oppvarming", "minutes": 5},
                                             {"title": "Målet: et godt arbeidsmiljø", "minutes": 7},
                                             {"title": "Hvem gjør hva: rollene", "minutes": 6},
                                             {"title": "Partssamarbeidet i dag", "minutes": 6},
                                             {"title": "Slik ser det ut når vi lykkes", "minutes": 6}]}


class DemoRefused(RuntimeError):
    """A service refused a step; the message says which and why."""


@dataclass
class Demo:
    enrollment: str
    sessions: str
    measures: str
    issuer: str
    tokens: dict[str, str] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)  # what this run changed, for the summary

    async def run(self) -> list[str]:
        async with httpx.AsyncClient(timeout=30) as self.http:
            for who, claims in PEOPLE.items():
                self.tokens[who] = await self._mint(**claims)
            # Only the platform admin registers a network in the directory; the rest is the coordinator's.
            self.tokens["admin"] = await self._mint(subject="demo-admin", roles=["platform_admin"])
            await self._directory()
            kult, workshop = await self._programmes()
            running = await self._cohort(kult, "høsten 2026", starts_on=local_today() - timedelta(days=21),
                                         capacity=12, location="Oslo")
            await self._cohort(kult, "våren 2027", starts_on=local_today() + timedelta(days=56), capacity=20,
                               location="Oslo")
            await self._enrol_colleagues(running)
            await self._kult_sessions(running)
            dst = await self._cohort(workshop, "verksted våren 2027", starts_on=local_today() + timedelta(days=14),
                                     capacity=60, location="Digitalt")
            await self._workshop_sessions(dst)
            await self._sofie_joins_the_workshop(dst)
            await self._measures()
        return self.done

    # -- plumbing -------------------------------------------------------------------------------

    async def _mint(self, **claims: Any) -> str:
        response = await self.http.post(f"{self.issuer.rstrip('/')}/tokens", json=claims)
        response.raise_for_status()
        return response.json()["access_token"]

    async def _call(self, method: str, url: str, who: str, body: dict[str, Any] | None = None,
                    ok: tuple[int, ...] = (200, 201), **params: Any) -> httpx.Response:
        token = self.tokens[who]
        response = await self.http.request(method, url, json=body, params=params or None,
                                           headers={"Authorization": f"Bearer {token}"})
        if response.status_code not in ok:
            raise DemoRefused(f"{method} {url} as {who}: {response.status_code} {response.text[:300]}")
        return response

    async def _until_known(self, attempt: Any, what: str, timeout: float = 60.0) -> httpx.Response:
        """Sessions and measures learn of enrollment's changes from its events, a moment later."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            response = await attempt()
            if response.status_code != 404:
                return response
            if asyncio.get_running_loop().time() > deadline:
                raise DemoRefused(f"{what}: still unknown after {timeout:.0f} s (is the service consuming events?)")
            await asyncio.sleep(0.5)

    # -- enrollment -----------------------------------------------------------------------------

    async def _directory(self) -> None:
        """The learning network, its member municipality and the ward, by name (fictional, like the people)."""
        entries = [("networks", NETWORK, "admin", {"name": "Læringsnettverk for heltidskultur", "country": "NO"}),
                   ("organisations", ORGANISATION, "coordinator",
                    {"network_id": NETWORK, "name": "Fjordvik kommune", "kind": "municipality"}),
                   ("units", UNIT, "coordinator",
                    {"organisation_id": ORGANISATION, "name": "Fjordvik sykehjem, avdeling 2", "kind": "ward"})]
        for kind, entry_id, who, body in entries:
            found = await self._call("GET", f"{self.enrollment}/{kind}/{entry_id}", who, ok=(200, 404))
            if found.status_code == 404:
                await self._call("POST", f"{self.enrollment}/{kind}", who, {"id": entry_id, **body})
                self.done.append(f"{kind[:-1]} {body['name']}")

    async def _programmes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        existing = (await self._call("GET", f"{self.enrollment}/programmes", "coordinator", limit=100)).json()
        by_code = {p["code"]: p for p in existing if p.get("network_id") == NETWORK}
        wanted = [
            {"code": "KULT", "title": "Kulturkompetanseprogrammet",
             "description": "Kulturen på en arbeidsplass henger sammen med både trivsel og helse hos de ansatte og "
                            "med kvalitet og pasientsikkerhet. Deltakerne lærer hvordan man arbeider med kultur, "
                            "med praktiske verktøy på hver samling og arbeid i egne oppdrag mellom samlingene.",
             "target_group": "Interne ressurspersoner som skal være prosessveiledere for andre avdelinger enn sin "
                             "egen, med lederens støtte.",
             "requires_manager_approval": True, "fee": {"amount_nok": 0, "travel_paid_by_employer": True},
             "curriculum_method_ids": KULT_METHODS, "gathering_plan": KULT_PLAN},
            {"code": "DST", "title": "Der skoen trykker: digitale verksteder",
             "description": "Verksteder for ledere, tillitsvalgte og verneombud om sykefraværsoppfølging, "
                            "partssamarbeid og forebyggende arbeidsmiljøarbeid, med dialogduken for "
                            "partssamarbeid som verktøy.",
             "target_group": "Ledere, tillitsvalgte og verneombud i enheter som er med i programmet.",
             "requires_manager_approval": False, "facilitates_outside_own_unit": False,
             "curriculum_method_ids": ["dialogue-cloth-party-cooperation", "sick-leave-follow-up-routine"],
             "gathering_plan": [{"kind": "workshop", "days": 1, "online": True}]},
        ]
        found = []
        for programme in wanted:
            if programme["code"] not in by_code:
                body = {**programme, "network_id": NETWORK, "language": "nb"}
                by_code[programme["code"]] = (await self._call("POST", f"{self.enrollment}/programmes",
                                                               "coordinator", body)).json()
                self.done.append(f"programme {programme['code']}")
            found.append(by_code[programme["code"]])
        return found[0], found[1]

    async def _cohort(self, programme: dict[str, Any], term: str, *, starts_on: date, capacity: int,
                      location: str) -> dict[str, Any]:
        cohorts = (await self._call("GET", f"{self.enrollment}/cohorts", "coordinator",
                                    programme_id=programme["id"], limit=100)).json()
        same = next((c for c in cohorts if c["term"] == term), None)
        if same:
            return same
        now = datetime.now(UTC)
        body = {"programme_id": programme["id"], "term": term, "capacity": capacity, "location": location,
                "applications_open_at": (now - timedelta(days=45)).isoformat(),
                "applications_close_at": (now + timedelta(days=30)).isoformat(), "starts_on": starts_on.isoformat()}
        created = (await self._call("POST", f"{self.enrollment}/cohorts", "coordinator", body)).json()
        self.done.append(f"cohort {programme['code']} {term}")
        return created

    async def _enrol_colleagues(self, cohort: dict[str, Any]) -> None:
        """The colleagues apply, and the leader each application names approves it in their own name."""
        url = f"{self.enrollment}/cohorts/{cohort['id']}/applications"
        if (await self._call("GET", url, "coordinator", limit=10)).json():
            return
        for name, role in COLLEAGUES:
            slug = name.lower().replace(" ", ".")
            application = (await self._call("POST", url, "coordinator", {
                "participant": {"name": name, "email": f"{slug}@demo.samla.example", "role": role},
                "manager": {"name": "Lars Haugen", "email": "lars.haugen@demo.samla.example"},
                "organisation_id": ORGANISATION, "unit_id": UNIT,
                "motivation": "Vil bidra til et tryggere arbeidsmiljø i andre avdelinger."})).json()
            if application["status"] == "awaiting_manager_approval":
                manager = application["manager_id"]
                self.tokens[manager] = await self._mint(subject=manager, person_id=manager,
                                                        roles=["organisation_leader"], **WARD)
                await self._call("POST", f"{self.enrollment}/applications/{application['id']}/approval", manager,
                                 {"decision": "approve", "manager_id": manager})
        self.done.append(f"{len(COLLEAGUES)} applications approved in {cohort['term']}")

    # -- sessions -------------------------------------------------------------------------------

    async def _generated(self, cohort: dict[str, Any], **body: Any) -> list[dict[str, Any]]:
        url = f"{self.sessions}/cohorts/{cohort['id']}/sessions"
        response = await self._until_known(lambda: self._call("POST", f"{url}/generated", "coordinator", body,
                                                              ok=(201, 404, 409)), f"cohort {cohort['term']}")
        if response.status_code == 201:
            self.done.append(f"sessions of {cohort['term']}")
        return (await self._call("GET", url, "coordinator")).json()

    async def _kult_sessions(self, cohort: dict[str, Any]) -> None:
        """The kickoff has been: its attendance is taken and it is marked held."""
        kickoff = (await self._generated(cohort))[0]
        if kickoff["status"] != "scheduled":
            return

        async def everyone_rostered() -> httpx.Response:
            roster = await self._call("GET", f"{self.sessions}/cohorts/{cohort['id']}/roster", "coordinator")
            enough = len(roster.json()["members"]) >= len(COLLEAGUES)
            return roster if enough else httpx.Response(404)

        members = (await self._until_known(everyone_rostered, "the roster")).json()["members"]
        records = [{"participant_id": m["participant_id"], "status": "excused" if i == len(members) - 1 else "present"}
                   for i, m in enumerate(members)]
        await self._call("PUT", f"{self.sessions}/sessions/{kickoff['id']}/attendance", "coordinator",
                         {"records": records})
        await self._call("POST", f"{self.sessions}/sessions/{kickoff['id']}/held", "coordinator", {})
        self.done.append("the kickoff held, with attendance")

    async def _workshop_sessions(self, cohort: dict[str, Any]) -> None:
        # The digital workshop runs all morning, longer than an online session's default three hours.
        workshop = (await self._generated(cohort, online_hours={"starts": "08:15", "ends": "13:00"}))[0]
        if workshop.get("agenda"):
            return
        items = [{"starts_at": s, "ends_at": e, "title": t, "kind": k, **(DIALOGUE_CLOTH if k == "dialogue_exercise" else {})}
                 for s, e, t, k in WORKSHOP_AGENDA]
        await self._call("PUT", f"{self.sessions}/sessions/{workshop['id']}/agenda", "coordinator",
                         {"items": items})
        self.done.append("the workshop's agenda")

    async def _sofie_joins_the_workshop(self, cohort: dict[str, Any]) -> None:
        """The demo participant applies herself, signed in, so her page has a plan with an agenda."""
        mine = (await self._call("GET", f"{self.enrollment}/inbox/participant", "participant")).json()
        if any(a["cohort_id"] == cohort["id"] for a in mine["applications"]):
            return
        await self._call("POST", f"{self.enrollment}/cohorts/{cohort['id']}/applications", "participant", {
            "participant": {"name": "Sofie Lund", "email": PEOPLE["participant"]["email"], "role": "sykepleier"},
            "manager": {"name": "Lars Haugen", "email": "lars.haugen@demo.samla.example"},
            "organisation_id": ORGANISATION, "unit_id": UNIT})
        self.done.append("Sofie Lund's application to the workshop")

    # -- measures -------------------------------------------------------------------------------

    async def _measures(self) -> None:
        today = local_today()
        existing = (await self._call("GET", f"{self.measures}/measures", "leader", limit=100)).json()
        titles = {m["title"]: m for m in existing}
        wanted = [
            ({"title": "Dialogduken på personalmøtet", "area": "leadership_and_party_cooperation",
              "goal": "Leder, tillitsvalgt og verneombud blir enige om hva et godt partssamarbeid er i avdelingen, "
                      "og om tre ting de gjør annerledes.",
              "method_id": "dialogue-cloth-party-cooperation",
              "indicators": [{"kind": "survey_score", "name": "Samarbeid i avdelingen (1–5)", "unit": "poeng",
                              "baseline": 3.1, "target": 4.0, "better": "up", "scale_min": 1, "scale_max": 5,
                              "baseline_date": (today - timedelta(days=150)).isoformat()}]},
             [3.4, 3.7]),
            ({"title": "Kartlegging for heltidskultur", "area": "full_time_culture",
              "goal": "Finne ut hva deltid gir av følger for brukerne, avdelingen og de ansatte, og øke andelen "
                      "hele stillinger.",
              "method_id": "full-time-culture-mapping",
              "indicators": [{"kind": "full_time_share_percent", "baseline": 38, "target": 50,
                              "baseline_date": (today - timedelta(days=150)).isoformat()}]},
             [41, 44]),
            ({"title": "Tidlig og tett på ved sykefravær", "area": "sick_leave_follow_up",
              "goal": "En felles rutine for tidlig kontakt og tett oppfølging når noen blir sykmeldt.",
              "method_id": "sick-leave-follow-up-routine",
              "indicators": [{"kind": "sick_leave_percent", "baseline": 9.2, "target": 7.0,
                              "baseline_date": (today - timedelta(days=30)).isoformat()}]},
             None),  # proposed only: it waits for the representatives
        ]
        for body, readings in wanted:
            measure = titles.get(body["title"])
            if measure is None:
                measure = (await self._call("POST", f"{self.measures}/measures", "leader", {
                    **body, "network_id": NETWORK, "organisation_id": ORGANISATION, "unit_ids": [UNIT],
                    "owners": [{"role": "leader", "person_id": PEOPLE["leader"]["person_id"]}]})).json()
                self.done.append(f"measure {body['title']}")
            parties = ["leader"] if readings is None else ["leader", "union_representative", "safety_representative"]
            for party in parties:
                if party in measure["missing_agreements"]:
                    measure = (await self._call("POST", f"{self.measures}/measures/{measure['id']}/consents", party,
                                                {})).json()
            if readings is None or measure["status"] != "proposed" and measure["follow_up_count"]:
                continue
            if measure["status"] == "proposed":
                measure = (await self._call("POST", f"{self.measures}/measures/{measure['id']}/adoption", "leader",
                                            {"adopted_on": (today - timedelta(days=120)).isoformat()})).json()
            indicator = measure["indicators"][0]["id"]
            for days_ago, value in zip((60, 7), readings):
                await self._call("POST", f"{self.measures}/measures/{measure['id']}/follow-ups", "leader", {
                    "held_on": (today - timedelta(days=days_ago)).isoformat(), "in_practice": True,
                    "readings": [{"indicator_id": indicator, "value": value}],
                    "worked": "Alle tre partene var med hele veien.", "did_not_work": ""})
            self.done.append(f"follow-ups of {body['title']}")

