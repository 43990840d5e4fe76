"""Ports and simulated days for signed-in users: a day at a port is a job, each secondary referral alerts."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel

from cruce.core.errors import CruceError, InputError
from cruce.core.extras import require
from cruce.service.alerts import AlertQueue
from cruce.service.jobs import JobRunner, JobView
from cruce.service.paging import Page, check_limit, key_page, page_of
from cruce.service.policy import Gate
from cruce.sharing.access import User
from cruce.storage.alerts import ApiStore, new_job_id

log = logging.getLogger(__name__)

RECENT_REFERRALS = 10
"""A simulation job's summary keeps its last few referral alerts, for the console's lane board."""


class PortView(BaseModel):
    code: str
    name: str
    state: str
    border: str
    timezone: str
    crossings_per_day: float


class Crossings:
    """The ports, and simulated days (screened, scored, routed) whose referrals join the alert queue."""

    def __init__(self, store: ApiStore, queue: AlertQueue, runner: JobRunner, gate: Gate) -> None:
        self.store = store
        self.queue = queue
        self.runner = runner
        self.gate = gate

    def ports(self, user: User, cursor: str | None, limit: int) -> Page[PortView]:
        from cruce.scoring.ports import load_ports

        self.gate.allow(user, "ports", "ports")
        ports = [
            PortView(
                code=p.code, name=p.name, state=p.state, border=p.border, timezone=p.timezone,
                crossings_per_day=round(p.crossings_per_day, 1),
            )
            for p in load_ports().ports
        ]  # fmt: skip
        page, more, last = key_page(ports, lambda p: p.code, cursor, check_limit(limit))
        return page_of(page, more, last)

    def simulate(self, user: User, fields: Mapping[str, Any]) -> JobView:
        """Start a simulated day at a port; each secondary referral is an alert of the user's country."""
        from cruce.scoring.ports import find_port

        self.gate.allow(user, "simulate", "crossings/simulations")
        require("risk")  # the crossing model; fail here, not in the job thread
        require("synthetic")
        port = find_port(str(fields["port"]))
        scale = float(fields.get("scale") or 0.01)
        if not 0 < scale <= 0.1:
            raise InputError("bad_scale", "scale must be above 0 and at most 0.1 through the API")
        day = fields.get("day") or date(2025, 6, 4)
        seed = int(fields.get("seed") or 7)
        job_id = new_job_id()
        self.runner.hold(job_id, True)  # its lease is renewed while it runs; a dead server's is failed
        job = self.store.create_job(
            "simulation", user.user_id, user.organisation.country,
            {"port": port.code, "day": day.isoformat(), "seed": seed, "scale": scale},
            job_id=job_id, worker=self.runner.worker, lease=self.runner.lease,
        )  # fmt: skip
        self.gate.record(user, "simulate", job.job_id, details={"port": port.code})
        self.runner.submit(job.job_id, self._run, job.job_id, user, port.code, day, seed, scale)
        return JobView.of(self.store.job(job.job_id))

    def _run(self, job_id: str, user: User, port: str, day: date, seed: int, scale: float) -> None:  # noqa: PLR0917
        from cruce.scoring.lanes import Lane
        from cruce.service.simulate import SimulationOptions, run_simulation

        try:
            self.store.update_job(job_id, state="running")
            report = run_simulation(
                SimulationOptions(port=port, day=day, seed=seed, scale=scale, list_size=500)
            )
            self.store.update_job(job_id, total=report.crossings)
            lanes: dict[str, int] = {}
            referrals = 0
            recent: list[dict[str, Any]] = []
            for done, record in enumerate(report.records, start=1):
                decision = record.decision
                lanes[decision.lane.value] = lanes.get(decision.lane.value, 0) + 1
                if decision.lane is Lane.SECONDARY:
                    crossing = record.crossing
                    alert_id, new = self.queue.raise_referral(
                        country=user.organisation.country, actor=user.user_id, source=f"simulation:{job_id}",
                        audit=self.gate.hook(lambda got: self.gate.event(
                            user, "raise_alerts", job_id, reason="secondary referral",
                            details={"alerts": [got[0][0]] if got else []},
                        )),
                        crossing={"crossing_id": crossing.id, "port": crossing.port_code,
                                  "arrived_at": crossing.arrived_at.isoformat(), "mode": crossing.mode.value,
                                  "persons": len(crossing.travelers), "cause": decision.cause.value},
                        reasons=[*decision.reasons, *record.assessment.reasons], score=decision.score,
                    )  # fmt: skip
                    referrals += new
                    recent = [*recent[-(RECENT_REFERRALS - 1):], {
                        "alert_id": alert_id, "crossing_id": crossing.id, "cause": decision.cause.value,
                        "arrived_at": crossing.arrived_at.isoformat(), "score": round(decision.score, 4),
                    }]  # fmt: skip
                if done % 500 == 0:
                    self.store.update_job(job_id, done=done)
            summary = {"port": port, "day": day.isoformat(), "seed": seed, "scale": scale,
                       "crossings": report.crossings, "lanes": lanes,
                       "referral_alerts": referrals,
                       "budget_per_hour": report.budget_per_hour, "hours": _hours(report.hours),
                       "recent_referrals": recent[::-1]}  # fmt: skip
            self.store.update_job(job_id, state="done", done=report.crossings, summary=summary)
        except Exception as exc:  # the job fails, the server goes on
            message = exc.message if isinstance(exc, CruceError) else f"{type(exc).__name__}: {exc}"
            log.exception("job_failed job=%s", job_id)
            self.store.update_job(job_id, state="failed", error=message)


def _hours(hours: Sequence[Any]) -> list[dict[str, Any]]:
    """Budget use per hour of a simulated day (`cruce.scoring.lanes.HourUsage`), as the job summary's JSON."""
    return [
        {"start": h.start.isoformat(), "budget": h.budget, "arrivals": h.arrivals, "secondary": h.secondary,
         "alerts": h.alerts, "targeted": h.targeted, "audits": h.audits, "expedited": h.expedited}
        for h in hours
    ]  # fmt: skip
