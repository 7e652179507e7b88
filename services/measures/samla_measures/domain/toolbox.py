"""The toolbox: methods that programmes teach and units adopt as measures.

The shared catalogue below is written for Samla in Norwegian bokmål and English. It holds
the methods the programmes behind Samla work with: culture competence, the workplace as a
learning arena, "Der skoen trykker" (party cooperation and sick-leave follow-up) and
full-time culture. Ids are fixed so that programmes can name them in their curriculum
(`curriculum_method_ids`) and so that seeding on every start inserts each one only once.
Coordinators add methods of their own; those belong to their network.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from samla_shared.contract.measures import MeasureArea


class CostLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class MethodOrigin(StrEnum):
    CATALOGUE = "catalogue"
    COORDINATOR = "coordinator"


Text = tuple[str, str]  # (bokmål, English)


def _text(text: Text) -> dict[str, str]:
    return {"nb": text[0], "en": text[1]}


def _method(method_id: str, *, name: Text, purpose: Text, areas: list[MeasureArea], duration: Text,
            cost: CostLevel, steps: list[Text]) -> dict[str, Any]:
    return {
        "_id": method_id, "name": _text(name), "purpose": _text(purpose), "areas": [a.value for a in areas],
        "typical_duration": _text(duration), "cost_level": cost.value, "steps": [_text(s) for s in steps],
        "network_id": None, "origin": MethodOrigin.CATALOGUE.value,
    }


A = MeasureArea
LOW, MEDIUM = CostLevel.LOW, CostLevel.MEDIUM

CATALOGUE: list[dict[str, Any]] = [
    # -- culture competence ------------------------------------------------------------------
    _method(
        "concretising-values",
        name=("Konkretisering av verdier", "Making values concrete"),
        purpose=("Gjøre virksomhetens verdier om til handlinger som kan sees i en vanlig arbeidsdag.",
                 "Turn the organisation's stated values into behaviour you can see on an ordinary day."),
        areas=[A.CULTURE_AND_VALUES], duration=("To økter à 45 minutter", "Two 45-minute sessions"), cost=LOW,
        steps=[
            ("Velg én av verdiene og les den høyt.", "Pick one of the values and read it aloud."),
            ("Hver person skriver hva verdien betyr i praksis, med eksempler fra egen enhet.",
             "Everyone writes what the value means in practice, with examples from your own unit."),
            ("Samle eksemplene og bli enige om tre handlinger dere vil se mer av.",
             "Gather the examples and agree on three behaviours you want to see more of."),
            ("Følg opp på neste møte: hva har vi sett, og hva var vanskelig?",
             "At the next meeting, follow up: what have we seen, and what was hard?"),
        ]),
    _method(
        "group-norms",
        name=("Arbeid med gruppenormer", "Working with group norms"),
        purpose=("Synliggjøre de uskrevne reglene i gruppa og velge hvilke dere vil beholde.",
                 "Bring the team's unwritten rules into the open and choose which ones to keep."),
        areas=[A.CULTURE_AND_VALUES, A.PREVENTIVE_WORK_ENVIRONMENT],
        duration=("60–90 minutter, deretter korte oppfølginger", "60–90 minutes, then short check-ins"), cost=LOW,
        steps=[
            ("Snakk om hvilke uskrevne regler som gjelder hos dere i dag.",
             "Talk about the unwritten rules your team follows today."),
            ("Skill mellom normer som hjelper og normer som hindrer samarbeid og pasientsikkerhet.",
             "Sort them into norms that help and norms that get in the way of cooperation and patient safety."),
            ("Formuler noen få felles spilleregler med egne ord.",
             "Write a handful of shared ground rules in your own words."),
            ("Heng dem opp der dere jobber og ta dem fram når møter starter.",
             "Put them up where you work and revisit them when meetings start."),
        ]),
    _method(
        "inside-outside",
        name=("Innafor–utafor", "Inside–outside"),
        purpose=("Bli enige om hvilken oppførsel som er greit og ikke greit hos dere, med utgangspunkt i "
                 "hverdagssituasjoner.",
                 "Agree on which behaviour is and is not acceptable in your workplace, starting from everyday "
                 "situations."),
        areas=[A.CULTURE_AND_VALUES, A.PREVENTIVE_WORK_ENVIRONMENT], duration=("45–60 minutter", "45–60 minutes"),
        cost=LOW,
        steps=[
            ("Lag kort med situasjoner fra egen arbeidsplass, for eksempel tonen på vaktrommet eller humor i pausen.",
             "Prepare cards with situations from your own workplace, such as the tone in the staff room or jokes "
             "at break."),
            ("Diskuter kortene i små grupper: er dette innafor eller utafor hos oss?",
             "In small groups, discuss each card: is this acceptable here, or not?"),
            ("Bruk mest tid på kortene dere var uenige om.", "Spend most of the time on the cards you disagreed on."),
            ("Avtal hva dere sier fra om, og hvordan.", "Agree on what you will speak up about, and how."),
        ]),
    _method(
        "expectations-and-contributions",
        name=("Forventninger og bidrag i team", "Expectations and contributions in teams"),
        purpose=("Avklare hva dere venter av hverandre og hva hver enkelt selv gir til fellesskapet.",
                 "Clarify what you expect of each other and what each person brings to the team."),
        areas=[A.CULTURE_AND_VALUES, A.LEADERSHIP_AND_PARTY_COOPERATION], duration=("Omtrent 60 minutter",
                                                                                    "About 60 minutes"),
        cost=LOW,
        steps=[
            ("Hver person skriver hva de forventer av kollegaer og av lederen.",
             "Everyone writes what they expect from colleagues and from the leader."),
            ("Hver person skriver hva de selv vil bidra med.", "Everyone writes what they will contribute themselves."),
            ("Del i runder og se etter mønstre og gap.", "Share in rounds and look for patterns and gaps."),
            ("Avtal to eller tre endringer og når dere ser på dem igjen.",
             "Agree on two or three changes and when you will look at them again."),
        ]),
    _method(
        "valuing-difference",
        name=("Verdsetting av forskjellighet", "Valuing difference"),
        purpose=("Bruke bredden i bakgrunn, fag og erfaring i teamet som en styrke.",
                 "Use the range of backgrounds, professions and experience in the team as a strength."),
        areas=[A.CULTURE_AND_VALUES], duration=("Omtrent 60 minutter", "About 60 minutes"), cost=LOW,
        steps=[
            ("Kartlegg hvilken bakgrunn, fagkunnskap og erfaring dere har samlet.",
             "Map the backgrounds, skills and experience you have between you."),
            ("Fortell om situasjoner der ulikhet ga bedre løsninger, og der den skapte gnisninger.",
             "Tell about times when differences led to better solutions, and times they caused friction."),
            ("Finn ut hvordan flere stemmer kan slippe til i møter og planlegging.",
             "Work out how more voices can be heard in meetings and planning."),
        ]),
    _method(
        "experience-based-learning",
        name=("Erfaringslæring og refleksjon", "Learning from experience through reflection"),
        purpose=("Lære systematisk av egne hendelser i stedet for å gå rett videre.",
                 "Learn systematically from your own events instead of moving straight on."),
        areas=[A.COMPETENCE_DEVELOPMENT, A.CULTURE_AND_VALUES],
        duration=("30–45 minutter, jevnlig", "30–45 minutes, regularly"), cost=LOW,
        steps=[
            ("Velg en konkret hendelse fra den siste tiden.", "Pick one concrete recent event."),
            ("Beskriv hva som skjedde, uten å dømme.", "Describe what happened without judging."),
            ("Reflekter over hvorfor det gikk som det gikk, og hva som kunne vært gjort annerledes.",
             "Reflect on why it went that way and what could have been done differently."),
            ("Skriv ned én lærdom og prøv den ut før neste gang.",
             "Write down one lesson and try it out before next time."),
        ]),
    _method(
        "positive-organisational-development",
        name=("Positiv organisasjonsutvikling", "Positive organisational development"),
        purpose=("Bygge videre på det som allerede fungerer godt, i stedet for å starte med problemene.",
                 "Build on what already works well rather than starting from the problems."),
        areas=[A.CULTURE_AND_VALUES, A.PREVENTIVE_WORK_ENVIRONMENT],
        duration=("En halv dag, deretter oppfølging", "Half a day, then follow-up"), cost=LOW,
        steps=[
            ("Fortell om en gang arbeidsplassen var på sitt beste.",
             "Share a time when the workplace was at its best."),
            ("Finn fellestrekkene: hva gjorde det mulig?", "Find the common threads: what made it possible?"),
            ("Beskriv hvordan det ser ut når dette er vanlig hos dere.",
             "Describe what it looks like when this is normal for you."),
            ("Velg små, konkrete steg i den retningen.", "Choose small, concrete steps in that direction."),
        ]),
    # -- the workplace as a learning arena -----------------------------------------------------
    _method(
        "everyday-learning",
        name=("Hverdagslæring", "Everyday learning"),
        purpose=("Gjøre taus kunnskap synlig og dele den mens arbeidet pågår.",
                 "Make tacit know-how visible and share it while the work is being done."),
        areas=[A.COMPETENCE_DEVELOPMENT], duration=("Løpende, 5–15 minutter i vakta",
                                                    "Ongoing, 5–15 minutes per shift"),
        cost=LOW,
        steps=[
            ("Si høyt hva du gjør og hvorfor når du løser en oppgave sammen med en kollega.",
             "Say what you are doing and why when you solve a task together with a colleague."),
            ("Bruk overlapp og korte pauser til å dele ett råd eller én erfaring.",
             "Use handovers and short breaks to share one tip or one experience."),
            ("Noter spørsmål som dukker opp, og ta dem med til neste møte.",
             "Note questions as they come up and bring them to the next meeting."),
        ]),
    _method(
        "peer-guidance-and-feedback",
        name=("Kollegaveiledning og tilbakemelding", "Peer guidance and feedback"),
        purpose=("Utvikle praksis ved at kollegaer observerer hverandre og gir konkrete tilbakemeldinger.",
                 "Develop practice by colleagues observing each other and giving concrete feedback."),
        areas=[A.COMPETENCE_DEVELOPMENT, A.CULTURE_AND_VALUES],
        duration=("Økter på omtrent 30 minutter", "Sessions of about 30 minutes"), cost=LOW,
        steps=[
            ("Gå sammen to og to og avtal hva dere vil ha tilbakemelding på.",
             "Pair up and agree on what you want feedback on."),
            ("Observer hverandre i en vanlig arbeidssituasjon.", "Observe each other in an ordinary work situation."),
            ("Gi tilbakemelding på det dere faktisk så: hva fungerte, og hva kan prøves annerledes.",
             "Give feedback on what you actually saw: what worked, and what could be tried differently."),
            ("Bytt roller, og følg opp etter noen uker.", "Swap roles, and follow up after a few weeks."),
        ]),
    _method(
        "reflection-groups",
        name=("Refleksjonsgrupper", "Reflection groups"),
        purpose=("Gi ansatte et fast rom for å tenke høyt sammen om krevende situasjoner.",
                 "Give staff a regular space to think aloud together about demanding situations."),
        areas=[A.COMPETENCE_DEVELOPMENT, A.PREVENTIVE_WORK_ENVIRONMENT],
        duration=("45–60 minutter hver 2.–4. uke", "45–60 minutes every 2–4 weeks"), cost=LOW,
        steps=[
            ("Sett sammen faste grupper på 4–8 personer med en samtaleleder.",
             "Form standing groups of 4–8 people with a facilitator."),
            ("Én deltaker legger fram en situasjon som har gjort inntrykk.",
             "One member presents a situation that made an impression."),
            ("Gruppa stiller spørsmål før noen gir råd.", "The group asks questions before anyone gives advice."),
            ("Avslutt med hva hver enkelt tar med seg.", "Close with what each person takes away."),
        ]),
    _method(
        "internal-teaching",
        name=("Internundervisning", "Internal teaching"),
        purpose=("La ansatte lære hverandre det de kan, i korte økter på arbeidsplassen.",
                 "Let staff teach each other what they know, in short sessions at work."),
        areas=[A.COMPETENCE_DEVELOPMENT], duration=("20–30 minutter på et fast tidspunkt",
                                                    "20–30 minutes at a fixed time"),
        cost=LOW,
        steps=[
            ("Lag en enkel plan over tema ansatte ønsker seg og kan undervise i.",
             "Draw up a simple plan of topics staff want and are able to teach."),
            ("Knytt øktene til virkelige pasient- eller brukersituasjoner.",
             "Tie the sessions to real patient or user situations."),
            ("Legg materialet der alle finner det igjen.", "Keep the material where everyone can find it again."),
        ]),
    _method(
        "learning-meetings",
        name=("Møter som læringsarena", "Meetings as a place to learn"),
        purpose=("Bruke møtene dere allerede har til faglig påfyll, ikke bare til beskjeder.",
                 "Use the meetings you already hold for learning, not only for announcements."),
        areas=[A.COMPETENCE_DEVELOPMENT, A.LEADERSHIP_AND_PARTY_COOPERATION],
        duration=("10–15 minutter av eksisterende møter", "10–15 minutes of existing meetings"), cost=LOW,
        steps=[
            ("Sett av et fast punkt på dagsordenen til et faglig tema eller en erfaring.",
             "Reserve a standing agenda item for a professional topic or an experience."),
            ("La ansvaret for punktet gå på omgang.", "Rotate responsibility for that item."),
            ("Avslutt med hva som skal prøves ut før neste møte.",
             "End with what will be tried before the next meeting."),
        ]),
    _method(
        "job-rotation-and-shadowing",
        name=("Jobbrotasjon og hospitering", "Job rotation and shadowing"),
        purpose=("Lære av hvordan andre enheter arbeider, og ta med nye grep hjem.",
                 "Learn from how other units work and bring new ideas home."),
        areas=[A.COMPETENCE_DEVELOPMENT], duration=("1–5 dager per hospitering", "1–5 days per visit"), cost=MEDIUM,
        steps=[
            ("Avtal med vertsenheten hva hospitanten skal lære og kan bidra med.",
             "Agree with the host unit what the visitor will learn and can contribute."),
            ("Planlegg bemanningen hjemme slik at fraværet er dekket.",
             "Plan staffing at home so the absence is covered."),
            ("Del erfaringene med egen enhet etterpå.", "Share what you learned with your own unit afterwards."),
        ]),
    _method(
        "mentoring",
        name=("Fadderordning", "Buddy scheme for newcomers"),
        purpose=("Gi nyansatte en trygg start og en kollega å spørre de første månedene.",
                 "Give newcomers a safe start and a colleague to ask during their first months."),
        areas=[A.COMPETENCE_DEVELOPMENT, A.CULTURE_AND_VALUES],
        duration=("De første 3–6 månedene", "The first 3–6 months"), cost=LOW,
        steps=[
            ("Gi hver nyansatt en navngitt fadder fra første dag.", "Give every newcomer a named buddy from day one."),
            ("Avtal samtaler, for eksempel etter en uke, en måned og tre måneder.",
             "Schedule check-ins, for example after a week, a month and three months."),
            ("Bruk en kort sjekkliste over det en ny må kunne.",
             "Use a short checklist of what a newcomer needs to know."),
            ("Sett av tid i turnusen til fadderrollen.", "Set aside time in the rota for the buddy role."),
        ]),
    _method(
        "knowledge-transfer-from-courses",
        name=("Kunnskapsoverføring fra kurs og etterutdanning",
              "Bringing learning home from courses and further education"),
        purpose=("Sørge for at det én lærer på kurs kommer hele enheten til gode.",
                 "Make sure what one person learns on a course benefits the whole unit."),
        areas=[A.COMPETENCE_DEVELOPMENT], duration=("15–30 minutter etter hvert kurs",
                                                    "15–30 minutes after each course"),
        cost=LOW,
        steps=[
            ("Før kurset: avtal med lederen hva enheten trenger at du lærer.",
             "Before the course: agree with your leader what the unit needs you to learn."),
            ("Etter kurset: del hovedpoengene på et møte eller i internundervisningen.",
             "After the course: present the main points at a meeting or an internal teaching slot."),
            ("Avtal én endring i praksis og følg den opp.", "Agree on one change in practice and follow it up."),
        ]),
    # -- Der skoen trykker: party cooperation and sick-leave follow-up --------------------------
    _method(
        "dialogue-cloth-party-cooperation",
        name=("Dialogduk for partssamarbeid", "Dialogue cloth for party cooperation"),
        purpose=("En styrt samtale der leder, tillitsvalgt og verneombud finner ut hva som skal til for å lykkes "
                 "sammen.",
                 "A guided conversation in which leader, union and safety representatives work out what it takes "
                 "to succeed together."),
        areas=[A.LEADERSHIP_AND_PARTY_COOPERATION, A.PREVENTIVE_WORK_ENVIRONMENT],
        duration=("Omtrent 2,5 timer: oppvarming og fire oppgaver à ca. 30 minutter",
                  "About 2.5 hours: a warm-up and four tasks of roughly 30 minutes each"),
        cost=LOW,
        steps=[
            ("Sett dere fire rundt duken, gjerne leder, tillitsvalgt, verneombud og en medarbeider. Én passer tiden.",
             "Sit four around the cloth, ideally the leader, the union rep, the safety rep and an employee. One "
             "keeps time."),
            ("Les oppgavene høyt på omgang, og gjør ferdig én før dere går videre.",
             "Take turns reading each task aloud, and finish one before moving on."),
            ("Oppvarming: bli kjent med duken og måten dere skal jobbe på.",
             "Warm-up: get to know the cloth and the way you will work."),
            ("Oppgave 1, målet er et godt arbeidsmiljø: velg de tre viktigste stikkordene og begrunn valget kort.",
             "Task 1, the goal is a good work environment: pick the three most important key words and give short "
             "reasons."),
            ("Oppgave 2, rolleforståelse: hva er hver parts oppgave, og hvor overlapper dere?",
             "Task 2, roles: what is each party's job, and where do you overlap?"),
            ("Oppgave 3, partssamarbeid: hva fungerer i dag, og hva kan bli bedre?",
             "Task 3, party cooperation: what works today, and what could be better?"),
            ("Oppgave 4, når vi lykkes: beskriv hvordan det ser ut, og avtal neste steg.",
             "Task 4, when we succeed: describe what it looks like, and agree on the next step."),
        ]),
    _method(
        "sick-leave-follow-up-routine",
        name=("Rutiner for sykefraværsoppfølging", "Sick-leave follow-up routines"),
        purpose=("Følge opp sykmeldte tidlig og tett, med en rutine partene står bak sammen.",
                 "Follow up people on sick leave early and closely, with a routine all parties stand behind."),
        areas=[A.SICK_LEAVE_FOLLOW_UP, A.LEADERSHIP_AND_PARTY_COOPERATION],
        duration=("En gjennomgang på 2 timer, deretter løpende", "A 2-hour review, then ongoing"), cost=LOW,
        steps=[
            ("Gå gjennom dagens rutine sammen med tillitsvalgt og verneombud: hvem gjør hva, og når?",
             "Review today's routine with the union and safety representatives: who does what, and when?"),
            ("Avtal hvordan lederen holder kontakt med den sykmeldte de første dagene.",
             "Agree how the leader keeps in touch with the person on sick leave during the first days."),
            ("Se etter tilrettelegging før fraværet blir langt.",
             "Look for adjustments at work before the absence gets long."),
            ("Følg fraværstallene over tid og se på dem sammen i partssamarbeidet.",
             "Track sick-leave figures over time and review them together in party cooperation."),
        ]),
    # -- full-time culture --------------------------------------------------------------------
    _method(
        "full-time-culture-mapping",
        name=("Kartlegging og involvering for heltidskultur", "Mapping and involvement towards a full-time culture"),
        purpose=("Skape felles forståelse av hva deltidskulturen koster, og finne veien mot flere hele stillinger "
                 "sammen.",
                 "Build a shared picture of what a part-time culture costs, and find the way to more full-time "
                 "jobs together."),
        areas=[A.FULL_TIME_CULTURE], duration=("Flere samlinger over noen måneder",
                                               "Several gatherings over a few months"),
        cost=LOW,
        steps=[
            ("Kartlegg avdeling for avdeling hva dagens deltidskultur betyr for brukerne, organisasjonen og de "
             "ansatte.",
             "Map, department by department, what today's part-time culture means for service users, the "
             "organisation and staff."),
            ("Del funnene med toppledere og politikere, så alle ser hvor sammensatt utfordringen er.",
             "Share the findings with top management and politicians, so everyone sees how complex the challenge is."),
            ("Sett realistiske mål og en framdriftsplan.", "Set realistic goals and a timeline."),
            ("Involver ledere, tillitsvalgte, verneombud og ansatte i å finne løsninger, for eksempel nye "
             "turnusmodeller.",
             "Involve leaders, union and safety representatives and staff in finding solutions, such as new rota "
             "patterns."),
            ("Følg andelen heltidsstillinger over tid.", "Track the share of full-time positions over time."),
        ]),
]
