"""Integrated services (一件事): one life or business event, one set of questions, one plan.

Modules:
    models.py     the working copy (service, questions, options, rules, steps) and published versions
    definition.py the JSON grammar of conditions, effects and form fields, and its validation
    engine.py     snapshot + answers → Plan (pure, cached per version): `plan_for(code, answers)`,
                  `Plan.to_dict()` — the API the applicant and window flows build on
    verify.py     every reachable combination checked by counting (units × signatures × model counting)
    brute.py      the enumeration oracle the tests and the benchmark compare against
    services.py   writes: save_service, define_service, publish_service (refused unless verified)
    generate.py   the synthetic 107/2,895 catalog; demo.py the demo services and their loader
    api.py        GET /api/v1/integrated/, /{code}/, POST /{code}/plan/
Commands: `onewindow integrated verify [CODE …] | generate | demo`.
"""
