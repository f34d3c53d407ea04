"""Tables of the store. Change them only together with a new Alembic migration
(``store/migrations/versions``); a test checks that the migrations and these tables agree."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

from sentinelle.domain.events import EVENT_COLUMNS
from sentinelle.store.geometry import Geometry

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def column_type(dtype: Any) -> TypeEngine[Any]:
    """The SQL type for a column of the event schema."""
    if isinstance(dtype, pd.StringDtype):
        return Text()
    name = str(dtype)
    types: dict[str, TypeEngine[Any]] = {
        "Int8": SmallInteger(),
        "Int16": SmallInteger(),
        "Int32": Integer(),
        "Int64": BigInteger(),
        "float64": Float(),
        "boolean": Boolean(),
        "datetime64[ns]": Date(),
    }
    return types[name]


imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),  # acled, ucdp, mission, acled-deletions, ...
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64)),
    Column("vintage", Text),
    Column("status", String(20), nullable=False),  # running, done, failed
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("counts", Text),  # JSON: rows read, inserted, updated, rejected...
    Column("message", Text),
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False, index=True),
    Column("file", Text, nullable=False),
    Column("row", Integer),
    Column("column", Text),
    Column("value", Text),
    Column("reason", Text, nullable=False),
)

_event_columns = [
    Column(name, column_type(dtype))
    for name, dtype in EVENT_COLUMNS.items()
    if name not in {"source", "source_id"}
]

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False),
    Column("source_id", String(100), nullable=False),
    *_event_columns,
    Column("content_hash", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("first_import_id", Integer, ForeignKey("imports.id")),
    Column("last_import_id", Integer, ForeignKey("imports.id")),
    UniqueConstraint("source", "source_id"),
)
Index("ix_events_event_date", events.c.event_date)
Index("ix_events_admin2_pcode", events.c.admin2_pcode)
Index("ix_events_admin1_pcode", events.c.admin1_pcode)
Index("ix_events_priogrid_gid", events.c.priogrid_gid)

event_versions = Table(
    "event_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, index=True),  # no foreign key: the event may later be deleted
    Column("source", String(40), nullable=False),
    Column("source_id", String(100), nullable=False),
    Column("version", Integer),
    Column("content_hash", BigInteger),
    Column("source_timestamp", BigInteger),
    Column("vintage", Text),
    Column("reason", String(20), nullable=False),  # revised, older-vintage, deleted
    Column("payload", Text, nullable=False),  # the version's fields as JSON
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id")),
)
Index("ix_event_versions_source_source_id", event_versions.c.source, event_versions.c.source_id)

event_deletions = Table(
    "event_deletions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False),
    Column("source_id", String(100), nullable=False),
    Column("deleted_timestamp", BigInteger),  # ACLED's deletion time (Unix seconds)
    Column("was_present", Boolean, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id")),
)

places = Table(
    "places",
    metadata,
    Column("pcode", String(20), primary_key=True),
    Column("level", String(10), nullable=False, index=True),
    Column("name_fr", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("parent_pcode", String(20)),
    Column("alternates", Text),  # "|"-separated
    Column("geometry", Geometry()),
    Column("source", Text),
    Column("approximate", Boolean, nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id")),
)

Index("ix_places_geometry", places.c.geometry, postgresql_using="gist")

deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mission", String(40), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("troops", Float),
    Column("source", Text),
    Column("import_id", Integer, ForeignKey("imports.id")),
)

aggregates = Table(
    "aggregates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False),  # e.g. acled-hdx
    Column("measure", String(40), nullable=False),  # e.g. political_violence
    Column("level", String(10), nullable=False),
    Column("unit_pcode", String(20), nullable=False),
    Column("month", Date, nullable=False),  # first day of the month
    Column("events", Integer, nullable=False),
    Column("fatalities", Integer, nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id")),
    UniqueConstraint("source", "measure", "unit_pcode", "month"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", Text),
    Column("role", String(20), nullable=False),  # see domain/access.py
    Column("password_hash", Text, nullable=False),  # Argon2id
    Column("language", String(2)),  # fr / en, or empty: the browser's preference
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the cookie
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("success", Boolean, nullable=False),
)
Index("ix_login_attempts_username_at", login_attempts.c.username, login_attempts.c.at)
Index("ix_login_attempts_ip_at", login_attempts.c.ip, login_attempts.c.at)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(40), nullable=False),
    Column("record_type", String(40), nullable=False),
    Column("record_id", Text),
    Column("before", Text),  # JSON
    Column("after", Text),  # JSON
    Column("detail", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_log_action_at", audit_log.c.action, audit_log.c.at)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("entries", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),  # e.g. ingest, boundaries
    Column("status", String(20), nullable=False),  # queued, running, done, failed
    Column("file_name", Text),
    Column("done", Integer, nullable=False),
    Column("total", Integer),
    Column("result", Text),  # JSON
    Column("message", Text),
    Column("created_by", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)

event_counts = Table(
    "event_counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("month", Date, nullable=False),  # first day of the month
    Column("admin1_pcode", String(20)),
    Column("admin2_pcode", String(20)),
    Column("event_type", Text, nullable=False),
    Column("source", String(40), nullable=False),
    Column("vac", Boolean, nullable=False),  # violence against civilians (type or targeting)
    Column("events", Integer, nullable=False),
    Column("fatalities", Integer, nullable=False),
    Column("first_date", Date, nullable=False),
    Column("last_date", Date, nullable=False),
)
Index("ix_event_counts_month", event_counts.c.month)

population = Table(
    "population",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pcode", String(20), nullable=False),
    Column("level", String(10), nullable=False),  # admin1 or admin2
    Column("year", Integer, nullable=False),
    Column("population", Float, nullable=False),
    Column("male", Float),
    Column("female", Float),
    Column("source", Text),  # the file the figures came from
    Column("import_id", Integer, ForeignKey("imports.id")),
    UniqueConstraint("pcode", "year"),
)
Index("ix_population_year", population.c.year)

assessments = Table(
    "assessments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("as_of", Date, nullable=False),  # the assessed month (its first day)
    Column("unit_kind", String(10), nullable=False),
    Column("title", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("parameters", Text, nullable=False),  # JSON: windows, sources, definitions
    Column("data_version", Text, nullable=False),  # the store's data when computed
    Column("rows", Integer, nullable=False),
)

assessment_rows = Table(
    "assessment_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("assessment_id", Integer, ForeignKey("assessments.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("unit", String(20), nullable=False),
    Column("unit_name", Text),
    Column("actor_family", String(60), nullable=False),
    Column("threat_type", String(40), nullable=False),
    Column("events_3m", Integer, nullable=False),
    Column("events_12m", Integer, nullable=False),
    Column("fatalities_12m", Integer, nullable=False),
    Column("max_fatalities_12m", Integer, nullable=False),
    Column("monthly_rate", Float, nullable=False),
    Column("likelihood", Float, nullable=False),
    Column("likelihood_class", SmallInteger, nullable=False),
    Column("severity_value", Float, nullable=False),
    Column("severity_class", SmallInteger, nullable=False),
    Column("risk_score", SmallInteger, nullable=False),
    Column("risk_level", String(20), nullable=False),
    Column("trend", String(20)),
    Column("trend_ratio", Float),
    Column("trend_p", Float),
    Column("population", Float),
    Column("hotspot_class", String(20)),
    Column("likelihood_source", Text),  # "recent frequency" or "forecast run N (model)"
)

assessment_notes = Table(
    "assessment_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("assessment_id", Integer, ForeignKey("assessments.id"), nullable=False),
    Column("row_id", Integer, ForeignKey("assessment_rows.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("motive", Text),
    Column("civilians_targeted", Text),
    Column("response_tiers", Text),  # "|"-separated: I, II, III
    Column("response_phase", String(20)),
    Column("planned_response", Text),
    Column("edited_by", Text, nullable=False),
    Column("edited_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("assessment_id", "revision"),
)
Index("ix_assessment_notes_row_id", assessment_notes.c.row_id)

forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # backtest | forecast
    Column("unit_kind", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("model_version", Text, nullable=False),
    Column("models", Text, nullable=False),  # JSON list
    Column("parameters", Text, nullable=False),  # JSON
    Column("features", Text, nullable=False),  # JSON list
    Column("data_version", Text, nullable=False),
    Column("first_month", Date, nullable=False),  # the data the run learned from
    Column("last_month", Date, nullable=False),
    Column("first_origin", Date, nullable=False),
    Column("last_origin", Date, nullable=False),
    Column("horizons", Text, nullable=False),  # "1,3,6"
    Column("seconds", Float, nullable=False),
    Column("predictions", Integer, nullable=False),
)
Index("ix_forecast_runs_kind_unit_kind", forecast_runs.c.kind, forecast_runs.c.unit_kind)

forecast_predictions = Table(
    "forecast_predictions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("forecast_runs.id"), nullable=False),
    Column("model", String(30), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("origin", Date, nullable=False),
    Column("horizon", SmallInteger, nullable=False),
    Column("target_month", Date, nullable=False),
    Column("probability", Float),
    Column("probability_low", Float),
    Column("probability_high", Float),
    Column("fatalities_mean", Float),
    Column("fatalities_q10", Float),
    Column("fatalities_q50", Float),
    Column("fatalities_q90", Float),
    Column("observed_any", SmallInteger),  # NULL: the target month was not in the data
    Column("observed_fatalities", Integer),
    Column("crps", Float),
)
Index(
    "ix_forecast_predictions_run_unit", forecast_predictions.c.run_id, forecast_predictions.c.unit
)
Index(
    "ix_forecast_predictions_run_model_horizon",
    forecast_predictions.c.run_id,
    forecast_predictions.c.model,
    forecast_predictions.c.horizon,
)

forecast_scores = Table(
    "forecast_scores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("forecast_runs.id"), nullable=False, index=True),
    Column("model", String(30), nullable=False),
    Column("horizon", SmallInteger, nullable=False),
    Column("metric", String(30), nullable=False),
    Column("value", Float),
    Column("n", Integer, nullable=False),
    Column("positives", Integer, nullable=False),
)

forecast_reliability = Table(
    "forecast_reliability",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("forecast_runs.id"), nullable=False, index=True),
    Column("model", String(30), nullable=False),
    Column("horizon", SmallInteger, nullable=False),
    Column("bin_low", Float, nullable=False),
    Column("bin_high", Float, nullable=False),
    Column("mean_probability", Float, nullable=False),
    Column("observed_frequency", Float, nullable=False),
    Column("count", Integer, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(30), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("reporter_name", Text),  # personal data: encrypted (sentinelle.protection)
    Column("reporter_contact", Text),  # personal data: encrypted
    Column("place", Text),
    Column("admin1_pcode", String(20)),
    Column("admin2_pcode", String(20)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("precision", String(10)),
    Column("threat_type", String(40)),
    Column("threatened_population", String(30)),
    Column("population_note", Text),
    Column("suspected_perpetrator", String(60)),  # an actor family code, or free text
    Column("urgency", String(10)),
    Column("description", Text),
    Column("state", String(20), nullable=False),
    Column("verification", String(20)),
    Column("response_required", Boolean),
    Column("priority", String(10)),
    Column("decision", String(30)),
    Column("decision_reason", Text),
    Column("responding_unit", Text),  # the unit or team that responds (set when deciding)
    Column("outcome", String(20)),
    Column("killed", Integer),
    Column("injured", Integer),
    Column("closed_from", String(20)),
    Column("merged_into", Integer, ForeignKey("alerts.id")),
    Column("owner", Text),
    Column("source", String(20), nullable=False),  # web | api | csv | sms | demo
    Column("source_message_id", String(200), unique=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("verified_at", DateTime(timezone=True)),
    Column("assessed_at", DateTime(timezone=True)),
    Column("decided_at", DateTime(timezone=True)),
    Column("dispatched_at", DateTime(timezone=True)),
    Column("on_site_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
)
Index("ix_alerts_received_at", alerts.c.received_at)
Index("ix_alerts_state", alerts.c.state)

alert_steps = Table(
    "alert_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("from_state", String(20)),
    Column("to_state", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),  # when it happened
    Column("recorded_at", DateTime(timezone=True), nullable=False),  # when it was entered
    Column("actor", Text, nullable=False),  # who entered it
    Column("owner", Text, nullable=False),  # who is responsible for the step
    Column("details", Text, nullable=False),  # JSON of the fields the step set
    Column("version", Integer, nullable=False),  # the alert's version after the step
)

mobile_units = Table(
    "mobile_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mission", String(40), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(40), nullable=False),  # e.g. quick reaction force, company
    Column("home_site", Text),  # the base it deploys from
    Column("troops", Integer, nullable=False),
    Column("mobile", Boolean, nullable=False),  # can it move to another area?
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("source", Text),
    Column("import_id", Integer, ForeignKey("imports.id")),
)

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("month", Date, nullable=False),  # the posture's month (its first day)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("assessment_id", Integer, ForeignKey("assessments.id")),  # threat picture used
    Column("assessment_revision", Integer),
    Column("forecast_run_id", Integer, ForeignKey("forecast_runs.id")),  # forecast used
    Column("risk_source", String(20), nullable=False),
    Column("parameters", Text, nullable=False),  # JSON: every input of the problem
    Column("result", Text, nullable=False),  # JSON: objective, gap, units, covered areas
    Column("options", Text, nullable=False),  # JSON list: the alternatives considered
    Column("data_version", Text, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False, index=True),
    Column("choice", String(30), nullable=False),  # adopted | adopted_with_changes | ...
    Column("option", Text, nullable=False),  # the option chosen (its label)
    Column("decided_by", Text, nullable=False),  # who decided (name or post)
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("rationale", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

decision_outcomes = Table(
    "decision_outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=False, index=True),
    Column("first_month", Date, nullable=False),  # the period observed
    Column("last_month", Date, nullable=False),
    Column("summary", Text, nullable=False),
    Column("measures", Text, nullable=False),  # JSON: realised VAC in and out of coverage
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

harm_incidents = Table(
    "harm_incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(60), unique=True),  # the mission's own reference, if any
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("time_precision", String(10), nullable=False),
    Column("place", Text),
    Column("admin1_pcode", String(20)),
    Column("admin2_pcode", String(20)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("location_precision", String(10)),
    Column("force", String(30), nullable=False),
    Column("unit", Text),  # the contingent or unit involved
    Column("activity", String(30)),
    Column("category", String(30), nullable=False),
    Column("killed_min", Integer, nullable=False),
    Column("killed_max", Integer, nullable=False),
    Column("injured_min", Integer, nullable=False),
    Column("injured_max", Integer, nullable=False),
    Column("confidence", String(20), nullable=False),
    Column("description", Text),
    Column("investigation", String(20), nullable=False),
    Column("findings", Text),
    Column("lessons", Text),
    Column("event_id", Integer, ForeignKey("events.id")),  # the ACLED event it was opened from
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_harm_incidents_occurred_at", harm_incidents.c.occurred_at)

harm_victims = Table(
    "harm_victims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("harm_incidents.id"), nullable=False, index=True),
    Column("name", Text),  # personal data: encrypted
    Column("sex", String(10), nullable=False),
    Column("age", Integer),
    Column("age_group", String(10), nullable=False),
    Column("civilian_status", String(10), nullable=False),
    Column("harm", String(20), nullable=False),
    Column("cause", String(20), nullable=False),
    Column("note", Text),  # personal data: encrypted
)

harm_sources = Table(
    "harm_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("harm_incidents.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("name", Text),  # personal data: encrypted
    Column("contact", Text),  # personal data: encrypted
    Column("reliability", String(10), nullable=False),
    Column("received_at", DateTime(timezone=True)),
    Column("account", Text),  # what the source said (no names): kept in clear
)

harm_amends = Table(
    "harm_amends",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("harm_incidents.id"), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("offered_on", Date, nullable=False),
    Column("amount", Float),
    Column("currency", String(3)),
    Column("recipient", Text),  # personal data: encrypted
    Column("response", String(10), nullable=False),
    Column("responded_on", Date),
    Column("note", Text),
    Column("version", Integer, nullable=False),
)

harm_steps = Table(
    "harm_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("harm_incidents.id"), nullable=False, index=True),
    Column("action", String(30), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("details", Text, nullable=False),  # JSON, never personal data
    Column("version", Integer, nullable=False),  # the incident's version after the step
)

mitigation_measures = Table(
    "mitigation_measures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("description", Text),
    Column("owner", Text, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("done_on", Date),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)

measure_incidents = Table(
    "measure_incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("measure_id", Integer, ForeignKey("mitigation_measures.id"), nullable=False),
    Column("incident_id", Integer, ForeignKey("harm_incidents.id"), nullable=False),
    UniqueConstraint("measure_id", "incident_id"),
)

# surveys (issue 9): one row per imported file, its variables, and one row per respondent
surveys = Table(
    "surveys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("round", String(40)),
    Column("country", String(60)),
    Column("fieldwork_start", Date),
    Column("fieldwork_end", Date),
    Column("source_file", Text, nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("format", String(10), nullable=False),  # spss, kobo
    Column("design", Text, nullable=False),  # JSON: weight, strata, cluster, weights
    Column("respondents", Integer, nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

survey_variables = Table(
    "survey_variables",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("survey_id", Integer, ForeignKey("surveys.id"), nullable=False),
    Column("position", Integer, nullable=False),  # the column's place in the file
    Column("name", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("kind", String(10), nullable=False),  # number, text
    Column("system", Boolean, nullable=False),  # Kobo system column, not a question
    Column("value_labels", Text, nullable=False),  # JSON list of [code, label]
    Column("missing", Text, nullable=False),  # JSON list of codes
    Column("translations", Text),  # JSON: language → {label, values: [[code, label]...]}
    UniqueConstraint("survey_id", "name"),
    UniqueConstraint("survey_id", "position"),
)

survey_responses = Table(
    "survey_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("survey_id", Integer, ForeignKey("surveys.id"), nullable=False),
    Column("respondent", Integer, nullable=False),  # position in the file, from 0
    Column("answers", Text, nullable=False),  # JSON object: variable → raw code
    UniqueConstraint("survey_id", "respondent"),
)
