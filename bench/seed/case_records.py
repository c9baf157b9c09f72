"""The case records of a generated event: transitions, clocks met on time or late or
never, judgments with disposal obligations, case actions with their drafts, commitments
and escalations (roughly as config/deadlines.yaml would open them)."""

from __future__ import annotations

import hashlib
from typing import Any

from bench.seed.plan import CLOCK_SECONDS, CLOCKS, DAY, HOUR, MET, STATE_PATHS, T1, dt
from workflow.actions import ACTION_KINDS
from workflow.disposal import DISPOSAL_CLASSES


class CaseRecords:
    """Mixed into Generator: needs its `rng`, `app` and `add`."""

    def action(self, eid: int, kind: str, at: int, clocks: list[str]) -> int:
        """A recorded action; a release or reply with its published draft, and now and then
        a commitment made in it."""
        rng, draft = self.rng, None
        if kind in ("release", "reply"):
            body = f"关于{self.plan.titles[eid]}的情况通报。"
            draft = self.add(
                "drafts",
                event_id=eid,
                kind=kind,
                text=body,
                text_hash=hashlib.sha256(body.encode()).hexdigest(),
                revision=1,
                created_by="handler",
                created_at=dt(at - 2 * HOUR),
                updated_at=dt(at),
                published_at=dt(at),
                published_by="office",
            )
            if rng.random() < 0.12:
                due = at + rng.randint(3, 15) * DAY
                r = rng.random()
                done = (
                    due - rng.randint(HOUR, 2 * DAY)
                    if r < 0.5
                    else due + rng.randint(HOUR, 3 * DAY)
                )
                done = done if r < 0.7 and done < T1 else None
                self.add(
                    "commitments",
                    event_id=eid,
                    draft_id=draft,
                    text="在7个工作日内公布调查处理结果",
                    due_at=dt(due),
                    created_by="handler",
                    created_at=dt(at),
                    fulfilled_at=dt(done),
                    fulfilment_draft_id=draft if done else None,
                    breached_at=dt(due if (done is None or done > due) and due < T1 else None),
                )
        return self.add(
            "case_actions",
            event_id=eid,
            kind=kind,
            draft_id=draft,
            note=None,
            clocks_met=clocks,
            actor="office",
            at=dt(at),
        )

    def case(self, ev: dict[str, Any]) -> None:
        rng = self.rng
        eid, state, grade = ev["id"], ev["state"], ev["grade"]
        d0 = int(ev["discovered_at"].timestamp())
        at, prev, times = d0, "collected", {}
        for to in STATE_PATHS[state]:  # a few hours apart
            at = min(T1 - 1, at + int(rng.expovariate(1 / (8 * HOUR))) + 60)
            self.add(
                "transitions",
                event_id=eid,
                from_state=prev,
                to_state=to,
                actor="office",
                reason=None,
                at=dt(at),
            )
            times[to], prev = at, to
        clocks = []  # by the rules of config/deadlines.yaml, roughly
        if grade in ("I", "II") and ev["categories"]:
            clocks += ["info-5h", "presser-24h"]
        if ev["origin_kind"] in ("board", "manual"):
            clocks.append("reply-5wd")
        if not clocks or (grade != "IV" and len(clocks) < 3 and rng.random() < 0.3):
            clocks.append("response-48h")
        if grade in ("I", "II") and "response-48h" not in clocks and rng.random() < 0.3:
            # opened at a lower grade; the tighter clocks superseded its 48 h one
            self.deadline(eid, "response-48h", d0, None, superseded=True)
        on, late = MET[state]
        for c in clocks:
            allowed, kind = CLOCKS[c][1], CLOCKS[c][2]
            r, met = rng.random(), None
            if r < on:
                met = d0 + int(allowed * rng.uniform(0.2, 0.97))
            elif r < on + late:
                met = d0 + allowed + int(rng.expovariate(1 / (10 * HOUR))) + 60
            met = met if met is not None and met < T1 else None
            self.deadline(eid, c, d0, met and self.action(eid, kind, met, [c]), met)
        if "judged" in times:
            self.judgment(eid, ev["title"], grade, times["judged"])
        if grade in ("I", "II") and rng.random() < 0.35:
            started = d0 + rng.randint(60, HOUR)
            level = rng.choices([0, 1, 2], [4, 3, 3])[0]
            ack = started + rng.randint(600, 4 * HOUR) if rng.random() < 0.6 else None
            ack = ack if ack is not None and ack < T1 else None
            policy = self.app.settings.channels.escalation
            self.add(
                "escalations",
                event_id=eid,
                reason="重大舆情" if grade == "I" else "较大舆情",
                policy=policy.model_dump(mode="json") if policy else {"levels": []},
                started_at=dt(started),
                level=level,
                notices=level + 1,
                last_notified_at=dt(started + level * 1800),
                acknowledged_at=dt(ack),
                acknowledged_by="leader" if ack else None,
                resolved_at=dt(times.get("closed") or times.get("dismissed")),
            )

    def deadline(
        self,
        eid: int,
        clock: str,
        d0: int,
        action: int | None,
        met: int | None = None,
        superseded: bool = False,
    ) -> None:
        title, allowed, kind = CLOCKS[clock]
        due = d0 + allowed
        self.add(
            "deadlines",
            event_id=eid,
            clock=clock,
            title=title,
            starts_at=dt(d0),
            due_at=dt(due),
            fallback_calendar=False,
            met_at=dt(met),
            met_by=f"{ACTION_KINDS[kind]}（office，记录 #{action}）" if action else None,
            breached_at=dt(
                due if (met is None or met > due) and due < T1 and not superseded else None
            ),
            superseded=superseded,
        )

    def judgment(self, eid: int, title: str, grade: str, decided: int) -> None:
        rng = self.rng
        cls = rng.choice(list(DISPOSAL_CLASSES.values()))
        jid = self.add(
            "judgments",
            event_id=eid,
            nature=f"{title}：{cls.name}",
            disposal_class=cls.key,
            grade=grade,
            grade_override_reason=None,
            proposal="按分类处置。",
            status="approved",
            drafted_by="handler",
            drafted_at=dt(decided - 1800),
            decided_by="leader",
            decided_at=dt(decided),
            decision_note=None,
        )
        if rng.random() >= 0.3:
            return
        for ob in cls.obligations:
            due = decided + CLOCK_SECONDS.get(ob.clock, 48 * HOUR)
            r, done = rng.random(), None
            if r < 0.45:
                done = decided + int((due - decided) * rng.uniform(0.3, 0.95))
            elif r < 0.6:
                done = due + rng.randint(HOUR, 3 * DAY)
            done = done if done is not None and done < T1 else None
            kind = "transfer" if ob.by == "transfer" else "release"
            self.add(
                "disposal_obligations",
                event_id=eid,
                judgment_id=jid,
                key=ob.key,
                title=ob.title,
                by=ob.by,
                due_at=dt(due),
                fallback_calendar=False,
                fulfilled_at=dt(done),
                action_id=self.action(eid, kind, done, []) if done else None,
                breached_at=dt(due if (done is None or done > due) and due < T1 else None),
            )
