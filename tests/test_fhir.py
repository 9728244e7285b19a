"""The FHIR R4 export: one session as a Bundle, checked against HL7's official R4 JSON schema
(vendored in tests/data/fhir, see its README), by hand for its codes, and through the CLI and
the dashboard. Sessions are made here (no video, no pose model)."""

from __future__ import annotations

import errno
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from formcheck import fhir
from formcheck.checkers.base import Fault, Rep
from formcheck.cli import main
from formcheck.definitions import available, load
from formcheck.session import Session
from formcheck.store import Store

SCHEMA = Path(__file__).parent / "data" / "fhir" / "fhir.schema.json"


@cache
def _validator() -> Any:
    jsonschema = pytest.importorskip(
        "jsonschema", reason="jsonschema is in the test extra: pip install -e '.[test]'"
    )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0", "the vendored schema is HL7's R4 schema"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(doc: dict[str, Any]) -> list[str]:
    """Why ``doc`` is not valid FHIR R4 JSON by the official schema (empty when it is)."""
    v = _validator()
    errors = list(v.iter_errors(doc))
    if not errors:
        return []
    # The root is a oneOf over every resource type, which says little: say it per resource.
    out = [e.message[:200] for e in errors]
    defs = v.schema["definitions"]
    for i, entry in enumerate(doc.get("entry", [])):
        res = entry.get("resource", {})
        sub = type(v)({**defs[res.get("resourceType", "Resource")], "definitions": defs})
        out += [
            f"entry {i} {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in sub.iter_errors(res)
        ]
    return out


def make_session(exercise: str, *, n: int = 6, faults: bool = True, created: str | None = None) -> Session:
    """A session of ``exercise``: every report column measured, each check's fault on rep 2,
    the first fault also on the last rep; one-sided exercises alternate left and right."""
    d = load(exercise)
    assert d.report is not None
    reps = []
    for i in range(1, n + 1):
        metrics = {c.name: 10.0 + i for c in d.report.columns}
        metrics[d.report.rom] = float(d.prescription.get(d.target, 40.0)) + (i - n / 2) * 2
        metrics.setdefault("hold_s", 0.5 * i)
        fl = []
        if faults and (i == 2 or i == n):
            for c in d.checks[: (None if i == 2 else 1)]:
                fl.append(Fault(c.code, c.cue, c.source, c.quote, metrics.get(c.metric, 1.0), 1.0))
        side = ("left" if i % 2 else "right") if d.counting.per_side else None
        reps.append(Rep(i, side, 2.0 * i, 2.0 * i + 0.6, 2.0 * i + 1.4, d.preferred_view, metrics, fl))
    extra = {"created": created} if created else {}
    return Session(
        exercise=exercise,
        source=f"{exercise}.mp4",
        view=d.preferred_view,
        fps=30.0,
        n_frames=30 * 2 * (n + 1),
        duration_s=2.0 * (n + 1),
        reps=reps,
        skipped_checks={},
        warnings=[],
        prescription={"reps": 3.0},
        key_label=d.key_label,
        trace={"t_s": [0.0, 0.5, 1.0], "key_deg": [1.0, 2.0, None]},
        **extra,
    )


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open(tmp_path / "store.sqlite3", create=True) as s:
        yield s


def _add(store: Store, session: Session, patient: str = "Ana Lima", **pain: int) -> int:
    sid, _ = store.add_session(session, patient=patient, origin="score", **pain)
    return sid


def observations(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]


def coded(obs: dict[str, Any], system: str) -> str | None:
    return next((c["code"] for c in obs["code"]["coding"] if c["system"] == system), None)


def component(obs: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [c for c in obs.get("component", []) if c["code"]["coding"][0]["code"] == code]


@pytest.mark.parametrize("exercise", available())
def test_every_exercise_exports_a_bundle_valid_by_the_official_r4_schema(store: Store, exercise: str) -> None:
    sid = _add(store, make_session(exercise), pain_before=2, pain_after=4)
    bundle = fhir.session_bundle(store, sid)
    assert schema_errors(bundle) == []
    assert json.loads(fhir.to_json(bundle)) == bundle
    assert bundle["type"] == "collection"
    kinds = {coded(o, fhir.MEASURE) or coded(o, fhir.FAULT) for o in observations(bundle)}
    assert "reps-completed" in kinds
    assert f"rom.{exercise}.{load(exercise).report.rom}" in kinds  # type: ignore[union-attr]


def test_the_schema_check_is_not_vacuous(store: Store) -> None:
    bundle = fhir.session_bundle(store, _add(store, make_session("squat")))
    obs = observations(bundle)[0]
    for broken in (
        {**obs, "status": "done"},  # not a status R4 knows
        {**obs, "valueQuantity": {"value": "12"}},  # a decimal as text
        {**obs, "effectiveDateTime": "yesterday"},
        {**obs, "reps": 3},  # no such element
    ):
        doc = {**bundle, "entry": [*bundle["entry"][:1], {"fullUrl": "urn:uuid:x", "resource": broken}]}
        assert schema_errors(doc), broken


def test_one_sided_session_has_patient_sides_pain_rom_and_faults(store: Store) -> None:
    sid = _add(store, make_session("clamshell"), pain_before=3, pain_after=5)
    bundle = fhir.session_bundle(store, sid)
    patient = bundle["entry"][0]
    assert patient["resource"] == {"resourceType": "Patient", "name": [{"use": "usual", "text": "Ana Lima"}]}
    obs = observations(bundle)
    assert {o["subject"]["reference"] for o in obs} == {patient["fullUrl"]}
    assert all(o["effectiveDateTime"].endswith("+00:00") and o["status"] == "final" for o in obs)

    reps = [o for o in obs if coded(o, fhir.MEASURE) == "reps-completed"]
    sides = {component(o, "side")[0]["valueCodeableConcept"]["coding"][0]["code"]: o for o in reps}
    assert set(sides) == {"7771000", "24028007"}  # SNOMED CT left, right
    assert all(
        o["valueQuantity"] == {"value": 3, "unit": "repetitions", "system": fhir.UCUM, "code": "{count}"}
        for o in reps
    )

    rom = [o for o in obs if coded(o, fhir.MEASURE) == "rom.clamshell.opening_max_deg"]
    assert len(rom) == 2  # one per side
    left = next(o for o in rom if component(o, "side")[0]["valueCodeableConcept"]["text"] == "Left")
    # Left reps 1, 3, 5 open 41, 45, 49 degrees (make_session: target 45 + (i - 3) * 2).
    assert left["valueQuantity"] == {"value": 45.0, "unit": "deg", "system": fhir.UCUM, "code": "deg"}
    assert component(left, "rom-lowest")[0]["valueQuantity"]["value"] == 41.0
    assert component(left, "rom-highest")[0]["valueQuantity"]["value"] == 49.0
    assert left["referenceRange"][0]["low"]["value"] == 30.0  # the small-opening fault's limit

    pain = {coded(o, fhir.MEASURE): o for o in obs if coded(o, fhir.LOINC) == "72514-3"}
    assert pain["pain-before-set"]["valueQuantity"]["value"] == 3
    assert pain["pain-after-set"]["valueQuantity"]["value"] == 5
    assert pain["pain-after-set"]["valueQuantity"]["code"] == "{score}"
    assert pain["pain-after-set"]["category"][0]["coding"][0]["code"] == "survey"

    small = next(o for o in obs if coded(o, fhir.FAULT) == "clamshell.small_opening")
    assert small["valueQuantity"]["value"] == 2  # reps 2 and 6
    assert [c["valueInteger"] for c in component(small, "rep-number")] == [2, 6]
    assert component(small, "cue")[0]["valueString"] == "Open your top knee a little higher."
    assert component(small, "source-document")[0]["valueString"] == (
        "How to Alleviate Hip Pain With Physical Therapy Exercises"
    )
    assert "Open your top knee a little higher." in small["code"]["coding"][0]["display"]


def test_export_is_stable_and_ids_are_unique(store: Store) -> None:
    sid = _add(store, make_session("bridge"), pain_after=1)
    a, b = fhir.session_bundle(store, sid), fhir.session_bundle(store, sid)
    urls = [e["fullUrl"] for e in a["entry"]]
    assert len(set(urls)) == len(urls)
    assert urls == [e["fullUrl"] for e in b["entry"]]
    assert a["identifier"] == b["identifier"] and a["identifier"]["system"] == fhir.SESSION
    other = fhir.session_bundle(
        store, _add(store, make_session("bridge", created="2026-01-02T10:00:00+00:00"))
    )
    assert other["entry"][0]["fullUrl"] == urls[0]  # the same patient
    assert not set(urls[1:]) & {e["fullUrl"] for e in other["entry"]}


def test_without_pain_or_reps_the_bundle_is_still_valid(store: Store) -> None:
    sid = _add(store, make_session("squat", n=0))
    bundle = fhir.session_bundle(store, sid)
    assert schema_errors(bundle) == []
    obs = observations(bundle)
    assert [coded(o, fhir.MEASURE) for o in obs] == ["reps-completed"]
    assert obs[0]["valueQuantity"]["value"] == 0
    assert not [o for o in obs if coded(o, fhir.LOINC)]


def test_text_from_the_store_stays_data(store: Store) -> None:
    name = "<b>Ana</b>\u00a0\x1b]0;pwn\x07 & 'Lima'  "
    sid = _add(store, make_session("squat"), patient=name)
    bundle = fhir.session_bundle(store, sid)
    assert schema_errors(bundle) == []
    text = bundle["entry"][0]["resource"]["name"][0]["text"]
    assert text.startswith("<b>Ana</b> ") and "\x1b" not in text and "\x07" not in text
    assert text.endswith("'Lima'")
    raw = fhir.to_json(bundle)
    assert '"div"' not in raw and '"text": {' not in raw  # no narrative XHTML at all
    assert '"note"' not in raw  # nor markdown (Annotation)


# -- the command and the dashboard -----------------------------------------------------------------


def _cli(tmp_path: Path, store: Store, *args: str) -> int:
    return main(["report", *args, "--store", str(store.path)])


def test_cli_writes_the_bundle_beside_the_report(tmp_path: Path, store: Store, capsys: Any) -> None:
    sid = _add(store, make_session("hip_abduction"), pain_before=1, pain_after=1)
    out = tmp_path / "out" / "r.html"
    out.parent.mkdir()
    assert _cli(tmp_path, store, str(sid), "--fhir", "-o", str(out)) == 0
    written = out.with_suffix(".fhir.json")
    assert f"wrote {written}" in capsys.readouterr().out
    assert schema_errors(json.loads(written.read_text(encoding="utf-8"))) == []
    assert sorted(p.name for p in out.parent.iterdir()) == ["r.fhir.json", "r.html"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["99", "--fhir"], 3, "No session 99"),
        (["--patient", "Ana Lima", "--fhir"], 2, "--fhir exports one session"),
    ],
)
def test_cli_bad_input_is_one_sentence(
    tmp_path: Path,
    store: Store,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    words: str,
) -> None:
    _add(store, make_session("squat"))
    monkeypatch.chdir(tmp_path)
    assert _cli(tmp_path, store, *args) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.json"))


def test_cli_unwritable_place_and_full_disk_leave_nothing(
    tmp_path: Path, store: Store, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = str(_add(store, make_session("squat")))
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert _cli(tmp_path, store, sid, "--fhir", "-o", str(blocker / "r.html")) == 2
    assert "is a file, not a folder" in capsys.readouterr().err

    import formcheck.session

    real = os.replace

    def full(src: str, dst: str | os.PathLike[str]) -> None:
        if str(dst).endswith(".fhir.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(formcheck.session.os, "replace", full)
    folder = tmp_path / "full"
    folder.mkdir()
    assert _cli(tmp_path, store, sid, "--fhir", "-o", str(folder / "r.html")) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert [p.name for p in folder.iterdir()] == ["r.html"]  # no bundle, no temporary file


def test_dashboard_offers_and_serves_the_bundle(tmp_path: Path) -> None:
    from tests.test_dashboard import fetch, running

    path = tmp_path / "dash.sqlite3"
    with Store.open(path, create=True) as s:
        sid = _add(s, make_session("clamshell"), pain_before=2)
    with running(path) as url:
        page = fetch(url, f"/sessions/{sid}")
        assert f'href="/sessions/{sid}.fhir"' in page.text
        listing = fetch(url, "/patients/1")
        assert f'href="/sessions/{sid}.fhir"' in listing.text
        r = fetch(url, f"/sessions/{sid}.fhir")
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/fhir+json")
        assert f"session-{sid}.fhir.json" in r.headers["Content-Disposition"]
        assert schema_errors(json.loads(r.text)) == []
        assert fetch(url, "/sessions/99.fhir").status == 404
