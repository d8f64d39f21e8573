"""suggestions/workflow/, exhaustively, one file per stage: every step from every state, by every role; the data rules.

The tables at the top say, for each step, from which states it is allowed (and with which result)
and which roles may take it. Three parametrised tests walk them:

- a step succeeds from each allowed state and records exactly one event (actor, from, to);
- a step from any other state raises ValidationError and writes nothing (a handler-only step on a
  suggestion not yet assigned raises PermissionDenied: the handler has no relation to it yet);
- each role not allowed gets PermissionDenied and writes nothing; each allowed role succeeds.

The users and one suggestion per state are built once for the module (`cast`); each test runs in
a savepoint on top of them.

Deadline arithmetic is in test_calendar.py; here only its use by the steps.
"""
