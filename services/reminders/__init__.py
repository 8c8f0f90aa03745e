"""Reminder sweeps, escalations and the schedule preview over the store.

A sweep reads what the planner needs in a few set-based queries, lets the pure planner
(domain.reminders) decide, and writes each person's bundled message to the outbox in the
same transaction as its ledger rows. The ledger's unique key (target, recipient, kind)
makes a re-run, a restart or a racing second instance write nothing twice: a batch that
collides is rolled back and retried person by person, and the persons another sweep
already served are skipped.

The sweep is incremental: each assignment carries the day its next step falls
(Assignment.next_step_on, kept by `steps` and by the database's triggers), so a sweep
plans only the assignments whose day has come or whose plan something changed; report
periods and indicators are read whole. A full re-plan (`sweep(incremental=False)`,
`dondoc schedule rebuild`) plans every open one within reach.

The sweep reads those assignments in agency order and plans, writes and moves on a chunk
of some 1,000 at a time (each agency whole, so a person's reminders still go in one
message), reading the ledger rows of that chunk's due targets only (packed a text per
target: domain.reminders.Recorded) and the officers of that chunk's agencies: what it
holds grows with the chunk, not with the store. On SQLite one read streams them; on
PostgreSQL their ids come first, found on parallel workers, and each chunk is read by id
(`chunks`). A chunk written stays written; a failure leaves the chunks after it due for
the next sweep. Notices to hub coordinators are written last.

The escalation pass streams the open targets the same way and plans each chunk, reading
that chunk's ledger rows and task details only; a person's digest covers every agency of
theirs, so the planned lines wait, sorted by person, in an anonymous temporary file
(services.spool) and each digest is rendered and written once every chunk is planned.
Nothing is written before: a pass that stops while planning leaves everything to the next
one, and one that stops while writing leaves the digests not yet written, each written
with its ledger rows or not at all.

Statements carry their values as one bound parameter (`load`) and outbox rows go in a few
sizes (`write`): the driver keeps the statements it prepared on each connection, and one
for every chunk of values held some 100 MiB after a national sweep.

A day's first sweep at 50,000 assignments writes some 11,000 ledger rows and 4,600
messages (bench/sweep.py): rows go in the driver's own form in a few bulk statements
(`write`), the next chunk of messages is rendered while the database writes the current
one, and the garbage collector rests meanwhile.

Modules: `load` reads what planning needs; `chunks` reads the open targets a chunk of
agencies at a time; `history` reads what the ledger holds of targets and what messages
show of them; `write` writes bundles of messages with their
ledger rows; `steps` moves each planned assignment's next day on; `sweep` runs the
reminder sweep and `escalation` the escalation pass; `preview` tells what sweeps would
send. The
wording is views.reminders. They import domain, models, views and services.outbox /
services.spool / services.unit_of_work, never handlers, scheduler or bot.
"""
