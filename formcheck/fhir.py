"""One stored session as a FHIR R4 ``Bundle`` that a health record can take.

The bundle is a ``collection`` (see the README's design note): a ``Patient`` by the name the
clinic uses, then one ``Observation`` per measure, all about that patient and dated when the
session was recorded:

- repetitions completed, per side for one-sided exercises (local code, ``{count}``);
- range of motion: the exercise's ``report.rom`` metric, the median rep with the lowest and
  highest as components and the band without a range-of-motion fault as ``referenceRange``
  (local code per exercise and metric, ``deg`` or ``%``), per side where reps count per side;
- the time held in position, where the exercise measures one (local code, ``s``);
- pain before and after the set where it was recorded (LOINC 72514-3, ``{score}``);
- each fault seen: how many reps had it, which reps, the cue and the document it comes from
  (local code per exercise and check, ``{count}``).

Standard codes are used only where one means the same thing: LOINC 72514-3 for pain and the
SNOMED CT laterality qualifiers for left and right. formcheck's measures are its own (a
clamshell's opening between the thighs is not a goniometer's hip rotation), so they carry
local codes in ``urn:formcheck:*`` systems whose displays say what was measured.

The numbers are the session report's (:func:`formcheck.reports.data.session_report`), so the
bundle says what the HTML, CSV and JSON say. Text from the store only ever goes into FHIR
``string`` elements, never narrative XHTML or markdown, so it stays data. The resources are
built and checked with the SMART on FHIR client's R4 (4.0.1) models (``fhirclient``).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from formcheck import __version__
from formcheck.reports.data import session_report, symmetry
from formcheck.store.db import Store

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# formcheck's own code systems: what it measures, its checks, its exercises, its sessions.
MEASURE = "urn:formcheck:measure"
FAULT = "urn:formcheck:fault"
EXERCISE = "urn:formcheck:exercise"
SESSION = "urn:formcheck:session"

PAIN_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
LATERALITY = {"left": ("7771000", "Left"), "right": ("24028007", "Right")}  # SNOMED CT qualifier values
UNITS = {"°": "deg", "%": "%", "s": "s"}  # a report's unit -> UCUM

# Resource ids are name-based UUIDs, so exporting a session again gives the same ``fullUrl``s.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:formcheck")


def _urn(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, chr(0).join(str(p) for p in parts))}"


def _s(text: object) -> str:
    """Text as a FHIR ``string``: no control characters, no whitespace but space, tab and line
    breaks, nothing leading or trailing (the R4 schema's pattern), never empty."""
    out = []
    for c in str(text):
        if c in "\t\n\r" or c == " ":
            out.append(c)
        elif c.isspace():
            out.append(" ")
        elif ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0:
            out.append("\ufffd")
        else:
            out.append(c)
    return "".join(out).strip() or "\ufffd"


def _instant(iso: str) -> str:
    """A stored time as a FHIR ``dateTime`` with seconds and an offset (UTC when it has none)."""
    dt = datetime.fromisoformat(iso)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat(timespec="seconds")


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": _s(display)}


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [_coding(system, code, display)], "text": _s(display)}


def _quantity(value: float | int, unit: str, *, label: str | None = None) -> dict[str, Any]:
    """A Quantity in UCUM when ``unit`` is one formcheck knows, else with its words only."""
    q: dict[str, Any] = {"value": value}
    ucum = UNITS.get(unit, unit if unit.startswith("{") else None)
    if ucum is not None:
        q |= {"unit": label or ucum, "system": UCUM, "code": ucum}
    elif unit:
        q["unit"] = _s(unit)
    return q


def _count(n: int) -> dict[str, Any]:
    return _quantity(int(n), "{count}", label="repetitions")


def _component(code: str, display: str, **value: Any) -> dict[str, Any]:
    return {"code": _concept(MEASURE, code, display), **value}


class _Builder:
    """Collects a session's resources: what every Observation shares, and the bundle entries."""

    def __init__(self, report: dict[str, Any], fingerprint: str, patient: dict[str, Any]) -> None:
        self.r = report
        self.s = report["session"]
        self.key = fingerprint
        self.patient_url = _urn("patient", patient["id"], patient["created"], patient["name"])
        self.entries: list[dict[str, Any]] = [
            {
                "fullUrl": self.patient_url,
                "resource": {
                    "resourceType": "Patient",
                    # The name as the clinic writes it, whole: splitting it into given and family
                    # names would be a guess.
                    "name": [{"use": "usual", "text": _s(patient["name"])}],
                },
            }
        ]

    def exercise(self) -> dict[str, Any]:
        return _component(
            "exercise",
            "Exercise done",
            valueCodeableConcept=_concept(EXERCISE, self.s["exercise"], self.s["title"]),
        )

    def side(self, side: str) -> list[dict[str, Any]]:
        if side not in LATERALITY:
            return []
        code, display = LATERALITY[side]
        return [
            _component(
                "side",
                "Side the repetitions were counted for (the working or front leg)",
                valueCodeableConcept=_concept(SNOMED, code, display),
            )
        ]

    def observe(
        self,
        key: str,
        code: dict[str, Any],
        value: dict[str, Any],
        *,
        category: str = "therapy",
        components: list[dict[str, Any]] | None = None,
        more: dict[str, Any] | None = None,
    ) -> None:
        categories = {"therapy": "Therapy", "survey": "Survey"}
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [_concept(CATEGORY, category, categories[category])],
            "code": code,
            "subject": {"reference": self.patient_url},
            "effectiveDateTime": _instant(self.s["created"]),
            **value,
            "method": {
                "text": _s(
                    f"formcheck {__version__}: counted and measured from video by pose estimation"
                    if category == "therapy"
                    else "reported by the patient to formcheck"
                )
            },
            "component": [self.exercise(), *(components or [])],
            **(more or {}),
        }
        self.entries.append({"fullUrl": _urn("observation", self.key, key), "resource": obs})

    # -- the measures ---------------------------------------------------------------------------
    def reps(self) -> None:
        summary = self.r["summary"]
        for side in summary["by_side"]:
            extra = [
                _component(
                    "reps-form-checked",
                    "Repetitions whose form could be checked from this camera",
                    valueQuantity=_count(side["checked"]),
                )
            ]
            if side["prescribed"]:
                extra.append(
                    _component(
                        "reps-prescribed",
                        "Repetitions prescribed per set",
                        valueQuantity=_count(side["prescribed"]),
                    )
                )
            self.observe(
                f"reps:{side['side']}",
                _concept(
                    MEASURE, "reps-completed", "Repetitions completed in the set (counted by formcheck)"
                ),
                {"valueQuantity": _count(side["done"])},
                components=self.side(side["side"]) + extra,
            )

    def rom(self) -> None:
        rom = self.r["rom"]
        if not rom:
            return
        per_side = self.r["symmetry"] or symmetry({**rom, "sides": [None] * len(rom["values"])}, 0) or []
        unit = rom["unit"]
        code = _concept(
            MEASURE,
            f"rom.{self.s['exercise']}.{rom['metric']}",
            f"{self.s['title']}: {rom['label']} (range of motion, {rom['metric']}), "
            "median of the set's repetitions, measured from video",
        )
        low = [lim["value"] for lim in rom["limits"] if lim["when"] == "below" and lim["value"] is not None]
        high = [lim["value"] for lim in rom["limits"] if lim["when"] == "above" and lim["value"] is not None]
        band: dict[str, Any] = {}
        if low:
            band["low"] = _quantity(max(low), unit)
        if high:
            band["high"] = _quantity(min(high), unit)
        if band:
            band["text"] = _s(
                "No range-of-motion fault is flagged inside this band (the exercise's checks with this "
                "session's prescription"
                + (f"; target {rom['target']:g}{unit}" if rom["target"] is not None else "")
                + ")"
            )
        for side in per_side:
            if side["median"] is None:
                continue
            comps = self.side(side["side"])
            comps.append(
                _component(
                    "rom-lowest", "Lowest repetition's value", valueQuantity=_quantity(side["min"], unit)
                )
            )
            comps.append(
                _component(
                    "rom-highest", "Highest repetition's value", valueQuantity=_quantity(side["max"], unit)
                )
            )
            if side["in_band"] is not None:
                comps.append(
                    _component(
                        "rom-in-band",
                        "Share of repetitions inside the band without a range-of-motion fault",
                        valueQuantity=_quantity(round(100 * side["in_band"], 1), "%"),
                    )
                )
            if rom["target"] is not None:
                comps.append(
                    _component(
                        "rom-target",
                        "Target of the prescription",
                        valueQuantity=_quantity(rom["target"], unit),
                    )
                )
            self.observe(
                f"rom:{side['side']}",
                code,
                {"valueQuantity": _quantity(side["median"], unit)},
                components=comps,
                more={"referenceRange": [band]} if band else None,
            )

    def hold(self) -> None:
        hold = self.r["summary"]["hold"]
        if not hold or hold["mean_s"] is None:
            return
        comps = [
            _component("hold-shortest", "Shortest hold", valueQuantity=_quantity(hold["min_s"], "s")),
            _component("hold-longest", "Longest hold", valueQuantity=_quantity(hold["max_s"], "s")),
        ]
        if hold["target_s"]:
            comps.append(
                _component("hold-target", "Hold prescribed", valueQuantity=_quantity(hold["target_s"], "s"))
            )
        self.observe(
            "hold",
            _concept(
                MEASURE,
                f"hold.{self.s['exercise']}",
                f"{self.s['title']}: time held in position per repetition, mean of the set's repetitions",
            ),
            {"valueQuantity": _quantity(hold["mean_s"], "s")},
            components=comps,
        )

    def pain(self) -> None:
        for when, word in (("before", "before"), ("after", "after")):
            score = self.s[f"pain_{when}"]
            if score is None:
                continue
            display = f"Pain 0-10 reported {word} the exercise set"
            self.observe(
                f"pain:{when}",
                {
                    "coding": [
                        _coding(LOINC, *PAIN_LOINC),
                        _coding(MEASURE, f"pain-{when}-set", display),
                    ],
                    "text": display,
                },
                {"valueQuantity": _quantity(int(score), "{score}")},
                category="survey",
            )

    def faults(self) -> None:
        n = self.r["summary"]["reps_done"]
        for f in self.r["summary"]["faults"]:
            comps = [
                _component("cue", "What the patient was told", valueString=_s(f["cue"])),
                _component("source-document", "Document the cue comes from", valueString=_s(f["document"])),
                _component("source-quote", "Its words", valueString=_s(f["quote"])),
                _component("reps-in-set", "Repetitions in the set", valueQuantity=_count(n)),
            ]
            comps += [
                _component("rep-number", "A repetition with this fault (1 = the first)", valueInteger=int(i))
                for i in f["reps"]
            ]
            self.observe(
                f"fault:{f['code']}",
                _concept(
                    FAULT,
                    f"{self.s['exercise']}.{f['code']}",
                    f"{self.s['title']}: {f['label']} — {f['cue']} ({f['document']})",
                ),
                {"valueQuantity": _count(f["count"])},
                components=comps,
            )


def session_bundle(store: Store, session_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """The session as a FHIR R4 ``collection`` Bundle (a JSON-ready dict), checked by the R4 models.

    Raises:
        MissingInputError: no such session in the store.
    """
    from fhirclient.models.bundle import Bundle

    report = session_report(store, session_id, with_stills=False)
    fingerprint = str(store.session_row(session_id)["fingerprint"])
    patient = store.patient(int(report["patient"]["id"]))
    b = _Builder(report, fingerprint, patient)
    b.reps()
    b.rom()
    b.hold()
    b.pain()
    b.faults()
    bundle = {
        "resourceType": "Bundle",
        "identifier": {"system": SESSION, "value": fingerprint},
        "type": "collection",
        "timestamp": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "entry": b.entries,
    }
    # The models raise FHIRValidationError on an unknown element, a wrong type or a missing
    # required one: formcheck's own mistake, never the user's, so it is not caught here.
    return _type_first(Bundle(bundle, strict=True).as_json())


def _type_first(x: Any) -> Any:
    """``resourceType`` first in every resource, as FHIR's own examples write it."""
    if isinstance(x, dict):
        head = {"resourceType": x["resourceType"]} if "resourceType" in x else {}
        return head | {k: _type_first(v) for k, v in x.items() if k != "resourceType"}
    if isinstance(x, list):
        return [_type_first(v) for v in x]
    return x


def to_json(bundle: dict[str, Any]) -> str:
    """The bundle as FHIR JSON text (UTF-8, no NaN)."""
    return json.dumps(bundle, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
