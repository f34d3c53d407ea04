"""Messages of the command line in French and English (French first: the mission's working
language). Keys are short English phrases; unknown keys fall back to themselves."""

from __future__ import annotations

import os

from sentinelle.domain.vocabulary import Language

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, French)
    "error": ("Error", "Erreur"),
    "decisions_title": ("Decision log", "Journal des décisions"),
    "survey_group": ("Group", "Groupe"),
    "survey_n": ("Respondents", "Répondants"),
    "survey_share": ("Weighted share [95% CI]", "Part pondérée [IC 95 %]"),
    "survey_not_covered": ("not covered", "non couvert"),
    "survey_too_few": ("too few answers", "trop peu de réponses"),
    "survey_not_asked": ("Rounds that did not ask it", "Vagues qui ne l'ont pas posée"),
    "plan_saved": (
        "Saved in the decision log as plan #{id}: sentinelle decisions show {id}",
        "Enregistré au journal des décisions, plan n° {id} : sentinelle decisions show {id}",
    ),
    "decisions_none": (
        "No saved plan yet: sentinelle plan … --save TITLE",
        "Aucun plan enregistré : sentinelle plan … --save TITRE",
    ),
    "decisions_pending": ("no decision yet", "pas encore de décision"),
    "decisions_stale": ("stale assessment", "évaluation périmée"),
    "plan": ("Plan", "Plan"),
    "plan_assessment": ("Threat assessment", "Évaluation de la menace"),
    "decision": ("Decision", "Décision"),
    "outcome": ("Outcome", "Résultat"),
    "option": ("Option", "Option"),
    "chain_threat": ("Threat assessment", "Évaluation de la menace"),
    "chain_no_assessment": ("none recorded", "aucune enregistrée"),
    "chain_forecast": ("Forecast", "Prévision"),
    "chain_plan": ("Plan", "Plan"),
    "file": ("File", "Fichier"),
    "format": ("Format", "Format"),
    "rows": ("Rows read", "Lignes lues"),
    "events": ("Events", "Événements"),
    "inserted": ("New events", "Nouveaux événements"),
    "updated": ("Updated (previous version kept)", "Mis à jour (version précédente conservée)"),
    "unchanged": ("Unchanged", "Inchangés"),
    "older": ("Older than stored (kept as history)", "Plus anciens que la base (historique)"),
    "merged_rows": ("Rows merged into their event", "Lignes fusionnées dans leur événement"),
    "duplicate_rows": ("Exact repeats merged", "Répétitions exactes fusionnées"),
    "rejected_rows": ("Rejected rows", "Lignes rejetées"),
    "deleted": ("Deleted events", "Événements supprimés"),
    "not_in_store": ("Listed but not in store", "Listés mais absents de la base"),
    "placement": ("Placement", "Localisation"),
    "unmatched": ("Names matching no unit", "Noms sans unité correspondante"),
    "rejected_report": ("Rejected rows written to", "Lignes rejetées écrites dans"),
    "ignored_columns": ("Ignored columns", "Colonnes ignorées"),
    "total": ("Total", "Total"),
    "region": ("Region", "Région"),
    "event_type": ("Event type", "Type d'événement"),
    "month": ("Month", "Mois"),
    "fatalities": ("Fatalities", "Morts"),
    "vac": ("Violence against civilians", "Violence contre les civils"),
    "store": ("Store", "Base"),
    "source": ("Source", "Source"),
    "first": ("First", "Premier"),
    "last": ("Last", "Dernier"),
    "units": ("Admin units", "Unités administratives"),
    "level": ("Level", "Niveau"),
    "deployments": ("Deployments", "Déploiements"),
    # units with mobile capacity (`sentinelle units import | list`)
    "mobile_units": ("Units with mobile capacity", "Unités à capacité mobile"),
    "units_imported": ("Units imported", "Unités importées"),
    "units_missions": ("Missions", "Missions"),
    "units_read": ("Units read", "Unités lues"),
    "units_mobile_read": (
        "of which can move to another area",
        "dont peuvent se porter sur une autre zone",
    ),
    "units_stored": ("Units stored", "Unités stockées"),
    "units_replacing": ("replacing {n} unit(s) of", "remplacent {n} unité(s) de"),
    "units_period": ("period", "période"),
    "units_ongoing": ("ongoing", "en cours"),
    "units_none": (
        "No units stored: run `sentinelle units import FILE`.",
        "Aucune unité en base : lancez `sentinelle units import FICHIER`.",
    ),
    "units_none_in": ("No unit available in {month}.", "Aucune unité disponible en {month}."),
    "units_capacity": (
        "Can move to another area: {count} unit(s), {troops} troops",
        "Peuvent se porter sur une autre zone : {count} unité(s), {troops} troupes",
    ),
    "unit_name": ("Name", "Nom"),
    "unit_kind": ("Kind", "Type"),
    "unit_home": ("Home site", "Emprise d'attache"),
    "unit_mobile": ("Mobile", "Mobile"),
    "unit_start": ("Start", "Début"),
    "unit_end": ("End", "Fin"),
    "unit_yes": ("yes", "oui"),
    "unit_no": ("no", "non"),
    # surveys (`sentinelle survey import | list`)
    "surveys": ("Surveys", "Enquêtes"),
    "survey_imported": ("Survey imported", "Enquête importée"),
    "survey_name": ("Name", "Nom"),
    "survey_round": ("Round", "Vague"),
    "survey_respondents": ("Respondents", "Répondants"),
    "survey_variables": ("Variables", "Variables"),
    "survey_weight": ("Weight", "Pondération"),
    "survey_no_weight": ("none found", "aucune trouvée"),
    "survey_fieldwork": ("Fieldwork", "Terrain"),
    "survey_rejected_values": ("Answers left blank", "Réponses laissées vides"),
    "survey_none": (
        "No survey stored: run `sentinelle survey import FILE`.",
        "Aucune enquête en base : lancez `sentinelle survey import FICHIER`.",
    ),
    "imports": ("Recent imports", "Imports récents"),
    "status": ("Status", "Statut"),
    "when": ("When (UTC)", "Quand (UTC)"),
    "empty_store": (
        "The store is empty: run `sentinelle demo` or `sentinelle ingest FILE`.",
        "La base est vide : lancez `sentinelle demo` ou `sentinelle ingest FICHIER`.",
    ),
    "demo_loaded": ("Demo scenario loaded into", "Scénario de démonstration chargé dans"),
    "events_by_region": ("Events by region", "Événements par région"),
    "events_by_type": ("Events by type", "Événements par type"),
    "events_by_month": ("Events by month", "Événements par mois"),
    "boundaries_imported": ("Boundaries imported", "Limites importées"),
    "replaced_placement": ("Events placed again", "Événements relocalisés"),
    "panel_written": ("Panel written to", "Panel écrit dans"),
    "downloaded": ("Downloaded to", "Téléchargé dans"),
    "demo_hint": (
        "Explore it with: sentinelle --database {url} status | summary | panel",
        "Pour l'explorer : sentinelle --database {url} status | summary | panel",
    ),
    "agreement": ("Agreement", "Concordance"),
    "unit_months": ("unit-months", "unités-mois"),
    "demo_sign_in": ("Sign in to the demo at", "Connectez-vous à la démo sur"),
    "password": ("password", "mot de passe"),
    "threat_matrix": ("Threat matrix", "Matrice des menaces"),
    "area": ("Area", "Zone"),
    "actor_family": ("Actor family", "Famille d'acteurs"),
    "threat_type": ("Threat", "Menace"),
    "likelihood": ("Likelihood", "Probabilité"),
    "severity": ("Severity", "Gravité"),
    "risk": ("Risk", "Risque"),
    "trend": ("Trend", "Tendance"),
    "deaths_12m": ("Deaths (12 months)", "Morts (12 mois)"),
    "threats": ("threats", "menaces"),
    "assessment_saved": ("Saved", "Enregistrée"),
    "backtesting": ("Backtesting", "Rétro-évaluation"),
    "backtest": ("Backtest", "Rétro-évaluation"),
    "forecasting": ("Forecasting", "Prévision"),
    "forecast_of": (
        "Probability of violence against civilians in",
        "Probabilité de violence contre les civils en",
    ),
    "forecasts": ("forecasts", "prévisions"),
    "horizon": ("Horizon", "Horizon"),
    "model": ("Model", "Modèle"),
    "probability": ("Probability", "Probabilité"),
    "band": ("10–90% band", "Bande 10–90 %"),
    "baseline": ("Baseline (12 months)", "Référence (12 mois)"),
    "fatalities_forecast": ("VAC deaths expected (10–90%)", "Morts VCC attendus (10–90 %)"),
    "demo_forecasts": (
        "Backtest of the last 12 months and forecast of the next 6 saved as runs",
        "Rétro-évaluation des 12 derniers mois et prévision des 6 prochains enregistrées",
    ),
    "written": ("Written to", "Écrit dans"),
    "response_figures": ("Response to alerts", "Réponse aux alertes"),
    "cutoff": ("as of", "au"),
    "requiring_response": ("Requiring a response", "Exigeant une réponse"),
    "responded": ("Responded", "Avec réponse"),
    "response_rate": ("Response rate", "Taux de réponse"),
    "decision_median_h": ("Decision, median h", "Décision, médiane h"),
    "on_site_median_h": ("On site, median h", "Sur place, médiane h"),
    "pending": ("Pending", "En attente"),
    "alerts": ("Alerts", "Alertes"),
    "run_saved": ("Run saved", "Exécution enregistrée"),
    "forecast_note": (
        "Forecasts are decision support, never a substitute for information from the field.",
        "Les prévisions aident à décider ; elles ne remplacent jamais l'information du terrain.",
    ),
    "no_pcode": ("Units without a P-code (left out)", "Unités sans code P (écartées)"),
    "alignment_title": (
        "Posture and violence against civilians",
        "Dispositif et violence contre les civils",
    ),
    "year": ("Year", "Année"),
    "sites": ("Sites", "Emprises"),
    "troops": ("Troops", "Troupes"),
    "deployable": ("Deployable", "Déployables"),
    "areas_reached": ("Cercles reached", "Cercles atteints"),
    "vac_events_within_reach": ("VAC events within reach", "Événements VCC à portée"),
    "vac_fatalities_within_reach": ("VAC deaths within reach", "Morts VCC à portée"),
    "rank_correlation": ("Rank correlation", "Corrélation de rang"),
    "high_risk_out_of_reach": (
        "High-risk cercles out of reach",
        "Cercles à haut risque hors de portée",
    ),
    "alignment_note": (
        "Straight-line reach from each site to each cercle's representative point; "
        "{force:.0%} of troops protect their base.",
        "Portée à vol d'oiseau de chaque emprise au point représentatif de chaque cercle ; "
        "{force:.0%} des troupes protègent leur base.",
    ),
    "alignment_note_roads": (
        "Reach by road: travel time from each site to each cercle's representative point over "
        "{file} ({lines} lines, {skipped} features left out); {force:.0%} of troops protect "
        "their base.",
        "Portée par la route : temps de trajet de chaque emprise au point représentatif de "
        "chaque cercle sur {file} ({lines} lignes, {skipped} objets écartés) ; {force:.0%} des "
        "troupes protègent leur base.",
    ),
    "by_road": (
        "by road within {hours:g} h ({season} season)",
        "par la route en {hours:g} h au plus (saison {season})",
    ),
    "season_dry": ("dry", "sèche"),
    "season_rainy": ("rainy", "des pluies"),
    "maps_written": ("Maps written", "Cartes écrites"),
    "plan_title": ("Placing mobile units", "Placement des unités mobiles"),
    "plan_covered": ("Risk covered", "Risque couvert"),
    "plan_units": ("Units", "Unités"),
    "plan_posture": (
        "Current posture (every site held, one unit each)",
        "Dispositif actuel (chaque emprise tenue, une unité chacune)",
    ),
    "plan_gap": ("Optimality gap", "Écart à l'optimum"),
    "plan_seconds": ("Solved in", "Résolu en"),
    "plan_status": ("Status", "Statut"),
    "plan_unit": ("Unit", "Unité"),
    "plan_where": ("Where", "Où"),
    "plan_covers": ("Covers (cercles)", "Couvre (cercles)"),
    "plan_adds": ("Risk added", "Risque ajouté"),
    "plan_next": ("Next best", "Meilleure alternative"),
    "plan_temporary": ("temporary base", "base temporaire"),
    "plan_required": ("minimum presence", "présence minimale"),
    "plan_none": ("none", "aucune"),
    "plan_note": (
        "Straight-line reach of {reach:g} km to each cercle's representative point; an area "
        "counts once however many units reach it. Decision support, not an order.",
        "Portée à vol d'oiseau de {reach:g} km au point représentatif de chaque cercle ; une "
        "zone compte une fois quel que soit le nombre d'unités. Aide à la décision, pas un ordre.",
    ),
    "plan_note_roads": (
        "Reach by road within {hours:g} h ({season} season) to each cercle's representative "
        "point; an area counts once however many units reach it. Decision support, not an order.",
        "Portée par la route en {hours:g} h au plus (saison {season}) au point représentatif de "
        "chaque cercle ; une zone compte une fois quel que soit le nombre d'unités. Aide à la "
        "décision, pas un ordre.",
    ),
    # civilian harm register (`sentinelle harm …`)
    "harm_incidents": ("Civilian harm incidents", "Incidents de dommages aux civils"),
    "harm_none": ("No incident recorded.", "Aucun incident enregistré."),
    "harm_none_in": ("No incident recorded in {month}.", "Aucun incident enregistré en {month}."),
    "harm_no_such": ("no incident #{id}", "aucun incident n° {id}"),
    "harm_ref": ("Reference", "Référence"),
    "harm_date": ("Date", "Date"),
    "harm_place": ("Place", "Lieu"),
    "harm_force": ("Force", "Force"),
    "harm_unit": ("Unit", "Unité"),
    "harm_activity": ("Activity", "Activité"),
    "harm_category": ("Category", "Catégorie"),
    "harm_killed": ("Killed", "Tués"),
    "harm_injured": ("Injured", "Blessés"),
    "harm_confidence": ("Confidence", "Confiance"),
    "harm_investigation": ("Investigation", "Enquête"),
    "harm_description": ("Description", "Description"),
    "harm_findings": ("Findings", "Conclusions"),
    "harm_lessons": ("Lessons", "Enseignements"),
    "harm_victims": ("Victims", "Victimes"),
    "harm_sources": ("Sources", "Sources"),
    "harm_amends": ("Amends", "Réparations"),
    "harm_timeline": ("Timeline", "Chronologie"),
    "harm_measures": ("Mitigation measures", "Mesures d'atténuation"),
    "harm_measures_none": ("No mitigation measure recorded.", "Aucune mesure d'atténuation."),
    "harm_measure": ("Measure", "Mesure"),
    "harm_owner": ("Owner", "Responsable"),
    "harm_due": ("Due", "Échéance"),
    "harm_status": ("Status", "État"),
    "harm_linked": ("After incidents", "Après les incidents"),
    "harm_overdue": ("overdue by {n} days", "en retard de {n} jours"),
    "harm_personal_note": (
        "Names shown: this viewing is recorded in the audit log.",
        "Noms affichés : cette consultation est inscrite au journal d'audit.",
    ),
    "harm_redacted_note": (
        "Names redacted; --personal shows them (recorded in the audit log).",
        "Noms masqués ; --personal les affiche (inscrit au journal d'audit).",
    ),
    "harm_exported": (
        "Exported {incidents} incidents to {out} and {victims} victims to {victims_out}",
        "{incidents} incidents exportés dans {out} et {victims} victimes dans {victims_out}",
    ),
    "harm_export_personal": (
        "Names of victims included: the export is recorded in the audit log.",
        "Noms des victimes inclus : l'export est inscrit au journal d'audit.",
    ),
    "harm_export_redacted": (
        "Names of victims redacted (--personal includes them, audited).",
        "Noms des victimes masqués (--personal les inclut, avec trace d'audit).",
    ),
    "harm_candidates": (
        "{n} candidate events (a force is an actor and civilians were harmed): to review",
        "{n} événements candidats (une force est acteur et des civils ont été touchés) : à "
        "examiner",
    ),
    "harm_report_written": ("Report written to {out}", "Rapport écrit dans {out}"),
    "harm_period": ("Period", "Période"),
    "harm_count": ("Incidents", "Incidents"),
    "harm_site": ("Site", "Site"),
    "harm_held": ("Held", "Tenu"),
    "harm_route": ("Route", "Itinéraire"),
    "harm_length_km": ("Length (km)", "Longueur (km)"),
    "harm_per_100km": ("Per 100 km", "Pour 100 km"),
    "harm_change": ("Change", "Changement"),
    "harm_opening": ("opening", "ouverture"),
    "harm_closing": ("closing", "fermeture"),
    "harm_series": ("Series", "Série"),
    "harm_series_harm_incidents": ("Harm incidents", "Incidents de dommages"),
    "harm_series_acled_vac": ("ACLED violence against civilians", "ACLED violence contre civils"),
    "harm_before": ("Before", "Avant"),
    "harm_after": ("After", "Après"),
    "harm_rate_ratio": ("Rate ratio", "Rapport des taux"),
    "harm_p_value": ("p-value", "valeur p"),
    "harm_covered": ("Data cover both windows", "Données sur les deux fenêtres"),
    "harm_near_bases": (
        "Incidents within {km} km of a site while it was held",
        "Incidents à moins de {km} km d'un site pendant qu'il était tenu",
    ),
    "harm_along_routes": (
        "Incidents within {km} km of a route",
        "Incidents à moins de {km} km d'un itinéraire",
    ),
    "harm_before_after": (
        "Within {km} km of each site, {months} months before and after it opened or closed",
        "À moins de {km} km de chaque site, {months} mois avant et après son ouverture ou sa "
        "fermeture",
    ),
    "harm_before_after_note": (
        "Rate ratio: after / before, per day; p-value: exact two-sided test that the rate did not "
        "change. Records: {spans}. A window outside them undercounts.",
        "Rapport des taux : après / avant, par jour ; valeur p : test exact bilatéral d'un taux "
        "inchangé. Données : {spans}. Une fenêtre hors de ces dates sous-compte.",
    ),
    "harm_routes_skipped": (
        "{file}: {n} of {total} features left out:",
        "{file} : {n} entités sur {total} écartées :",
    ),
    "harm_no_changes": (
        "No site opened or closed in the period.",
        "Aucun site ouvert ou fermé sur la période.",
    ),
    "harm_bad_choice": (
        "{option} must be one of {choices}, not {value!r}",
        "{option} doit valoir {choices}, pas {value!r}",
    ),
    "harm_bad_km": (
        "{option} must be a positive number of kilometres, not {value}",
        "{option} doit être un nombre positif de kilomètres, pas {value}",
    ),
    "harm_bad_months": (
        "--months must be a whole number of months, at least 1, not {value}",
        "--months doit être un nombre entier de mois, au moins 1, pas {value}",
    ),
    "harm_bad_month": (
        "{option}: {value!r} — expected YYYY-MM, e.g. 2018-06",
        "{option} : {value!r} — attendu AAAA-MM, p. ex. 2018-06",
    ),
    "harm_bad_range": (
        "--from {first} is after --to {last}",
        "--from {first} est après --to {last}",
    ),
    "harm_one_mode": (
        "give only one of --bases, --routes, --before-after (each is a table of its own)",
        "une seule option parmi --bases, --routes, --before-after (chacune est un tableau)",
    ),
    "harm_mode_option": (
        "{option} sets the table by dimension; it does not apply with {mode}",
        "{option} règle le tableau par dimension ; il ne s'applique pas avec {mode}",
    ),
    "harm_bad_out": (
        "--out must end in .csv or .xlsx, not {name!r}",
        "--out doit finir par .csv ou .xlsx, pas {name!r}",
    ),
    "harm_no_folder": ("no such folder: {folder}", "dossier introuvable : {folder}"),
    "harm_no_sites": (
        "no deployments in the store: import them first (sentinelle deployments import FILE)",
        "aucun déploiement dans la base : importez-les d'abord (sentinelle deployments import "
        "FICHIER)",
    ),
    "harm_unreadable": ("{file}: cannot be read: {reason}", "{file} : illisible : {reason}"),
}


def language_from_env() -> Language:
    value = os.environ.get("SENTINELLE_LANG", "fr").strip().lower()
    return "en" if value.startswith("en") else "fr"


def t(key: str, language: Language) -> str:
    en, fr = MESSAGES.get(key, (key, key))
    return fr if language == "fr" else en


def number(value: int | float, language: Language) -> str:
    """A count with thousands separated as each language writes them (2,946 / 2 946)."""
    text = f"{value:,.0f}"
    return text.replace(",", " ") if language == "fr" else text
