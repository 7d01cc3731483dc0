"""Survey answers benchmark (issue 13 point 7, DESIGN §9: 200 answers per second with no error).

A questionnaire of 22 questions (the SIPAS form's size), 100 agencies with two counters each. Timed, in
this process, one answer after another, each with all 22 answers and a client address of its own:

- reference: a bare insert of the same rows (the Response and its 22 Answers in one transaction);
- ``checks.check`` + ``public_views.record`` (``services.record_response``) in one transaction: what
  the form does to decide and store an answer (the checks' four counts are upserts in that transaction);
- the whole request: a POST to a counter's form through the project's WSGI application (every
  middleware, the form's parsing, the checks, the write, the answer), in-process, with its p95 latency.

Figures: answers per second and the ratio to the reference; any error is counted and fails the run.
``BENCH_SURVEY_ANSWERS`` sets the number of answers per measure (2,000 by default).
"""

from __future__ import annotations

import os
import random
import statistics
import time

from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from cchc.agencies.models import Agency
from cchc.surveys import checks, public_views
from cchc.surveys.models import Answer, Channel, Counter, Element, Question, Questionnaire, Response, Status, Trust

QUESTIONS = 22
AGENCIES = 100
GOAL = 200  # answers per second


def build() -> tuple[Questionnaire, list[Counter]]:
    owner = Agency.objects.create(code="SV-PROV", name="Tỉnh benchmark", kind="province", path="/SV-PROV/")
    Agency.objects.bulk_create(
        [
            Agency(
                code=f"SV{i:03d}",
                name=f"Đơn vị {i:03d}",
                kind="department",
                parent=owner,
                path=f"/SV-PROV/SV{i:03d}/",
                depth=1,
            )
            for i in range(AGENCIES)
        ]
    )
    questionnaire = Questionnaire.objects.create(year=timezone.localdate().year, title="Phiếu khảo sát benchmark")
    elements = list(Element.values)
    Question.objects.bulk_create(
        [
            Question(
                questionnaire=questionnaire, code=f"Q{i:02d}", element=elements[i % 5], text=f"Câu hỏi {i}", order=i
            )
            for i in range(QUESTIONS)
        ]
    )
    agencies = list(Agency.objects.filter(code__startswith="SV0").order_by("code"))
    counters = Counter.objects.bulk_create([Counter(agency=a, name=f"Quầy {n}") for a in agencies for n in (1, 2)])
    return questionnaire, counters


def answers(rng: random.Random) -> dict[str, int]:
    return {f"Q{i:02d}": rng.choice((3, 4, 4, 5, 5)) for i in range(QUESTIONS)}


def reference(questionnaire: Questionnaire, counters: list[Counter], n: int, rng: random.Random) -> float:
    questions = list(questionnaire.questions.order_by("order"))
    started = time.perf_counter()
    for i in range(n):
        counter = counters[i % len(counters)]
        values = answers(rng)
        now = timezone.now()
        with transaction.atomic():
            form = Response.objects.create(
                questionnaire=questionnaire,
                agency_id=counter.agency_id,
                channel=Channel.COUNTER,
                trust=Trust.LOW,
                status=Status.COUNTED,
                answered_on=now.date(),
                submitted_at=now,
                counter=counter,
                client_hash="0" * 64,
            )
            Answer.objects.bulk_create([Answer(response=form, question=q, value=values[q.code]) for q in questions])
    return time.perf_counter() - started


def checked(questionnaire: Questionnaire, counters: list[Counter], n: int, rng: random.Random) -> float:
    started = time.perf_counter()
    for i in range(n):
        counter = counters[i % len(counters)]
        survey = public_views.Survey(
            agency=counter.agency, channel=Channel.COUNTER, questionnaire=questionnaire, counter=counter
        )
        values = answers(rng)
        client = checks.client_hash(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        with transaction.atomic():  # as the form does: the checks' counts and the answer together
            verdict = checks.check(client=client, agency_id=counter.agency_id, answers=values, counter_id=counter.pk)
            public_views.record(survey, values, verdict, client=client, token=f"bench-{i}", comment="")
    return time.perf_counter() - started


def requests(counters: list[Counter], n: int, rng: random.Random) -> tuple[float, list[float], int]:
    """POSTs to counters' forms through the project's WSGI application (every middleware), in-process."""
    app = WSGIHandler()
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    statuses: list[str] = []
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(n):
        counter = counters[i % len(counters)]
        data = {f"q_{code}": str(v) for code, v in answers(rng).items()}
        data["client_token"] = f"bench-http-{i}"
        environ = factory.post(
            f"/khao-sat/q/{counter.token}/",
            data,
            REMOTE_ADDR=f"10.200.{i >> 8 & 255}.{i & 255}",
            HTTP_X_SURVEY_CLIENT="js",
        ).environ
        t = time.perf_counter()
        b"".join(app(environ, lambda status, headers, *exc: statuses.append(status)))  # type: ignore[arg-type]
        latencies.append(time.perf_counter() - t)
    errors = sum(1 for status in statuses if not status.startswith("200"))
    return time.perf_counter() - started, latencies, errors


def run(workdir: str) -> None:
    n = int(os.environ.get("BENCH_SURVEY_ANSWERS", "2000"))
    rng = random.Random(13)
    questionnaire, counters = build()
    print(f"\nsurvey answers: {n:,} per measure, {QUESTIONS} questions each, {len(counters)} counters")
    base = reference(questionnaire, counters, n, rng)
    print(f"  reference (bare insert of the rows):     {n / base:6.0f} answers/s")
    Response.objects.all().delete()
    spent = checked(questionnaire, counters, n, rng)
    stored = Response.objects.count()
    print(f"  checks + record_response:                {n / spent:6.0f} answers/s  ({spent / base:.2f}× the reference)")
    Response.objects.all().delete()
    total, latencies, errors = requests(counters, n, rng)
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    print(
        f"  whole request (POST, WSGI application):  {n / total:6.0f} answers/s  ({total / base:.2f}× the reference);"
        f" p95 {p95:.1f} ms; errors {errors}"
    )
    ok = stored == n and errors == 0 and Response.objects.count() == n
    goal = n / total >= GOAL
    print(f"  goal {GOAL}/s with no error: {'met' if ok and goal else 'NOT met'}")
    if not ok:
        raise SystemExit("survey answers benchmark: an answer failed or was lost")
