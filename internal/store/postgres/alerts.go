package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"raqib/internal/alert"
	"raqib/internal/errs"
	"raqib/internal/geo"
	"raqib/internal/rules"

	"github.com/jackc/pgx/v5"
)

var _ alert.Store = (*DB)(nil)

const alertColumns = `id, key, rule, severity, state, track, members, sector, lat, lon, chainage_m,
	distance_m, class, count, zone, barrier, crossing, predicted_crossing, summary, active, raised,
	updated, updates, group_id, escalated, escalate_at, ack_by, ack_at, assigned_to, assigned_at,
	resolved_by, resolved_at, note, dismiss_reason, evidence, exercise`

// openStates is the SQL list of the open states.
const openStates = `('new', 'acknowledged', 'assigned')`

type rowScanner interface{ Scan(dest ...any) error }

func scanAlert(r rowScanner) (alert.Alert, error) {
	var a alert.Alert
	var members, evidence string
	var predicted, escalateAt, ackAt, assignedAt, resolvedAt *int64
	var raised, updated int64
	err := r.Scan(&a.ID, &a.Key, &a.Rule, &a.Severity, &a.State, &a.Track, &members, &a.Sector,
		&a.Position.Lat, &a.Position.Lon, &a.Chainage, &a.Distance, &a.Class, &a.Count, &a.Zone,
		&a.Barrier, &a.Crossing, &predicted, &a.Summary, &a.Active, &raised, &updated, &a.Updates,
		&a.GroupID, &a.Escalated, &escalateAt, &a.AckBy, &ackAt, &a.AssignedTo, &assignedAt,
		&a.ResolvedBy, &resolvedAt, &a.Note, &a.DismissReason, &evidence, &a.Exercise)
	if err != nil {
		return a, err
	}
	a.Raised, a.Updated = fromUnixNano(raised), fromUnixNano(updated)
	a.PredictedCrossing = nullTime(predicted)
	a.EscalateAt = nullTime(escalateAt)
	a.AckAt = nullTime(ackAt)
	a.AssignedAt = nullTime(assignedAt)
	a.ResolvedAt = nullTime(resolvedAt)
	if err := json.Unmarshal([]byte(members), &a.Members); err != nil {
		return a, fmt.Errorf("alert %d members: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(evidence), &a.Evidence); err != nil {
		return a, fmt.Errorf("alert %d evidence: %w", a.ID, err)
	}
	if len(a.Members) == 0 {
		a.Members = nil
	}
	if len(a.Evidence) == 0 {
		a.Evidence = nil
	}
	return a, nil
}

func nullTime(n *int64) *time.Time {
	if n == nil {
		return nil
	}
	t := fromUnixNano(*n)
	return &t
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return unixNano(*t)
}

func jsonArray[T any](v []T) (string, error) {
	if len(v) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// checkAlert refuses an alert the schema's constraints would refuse with a
// less helpful message.
func checkAlert(a *alert.Alert) error {
	switch {
	case a.Key == "":
		return errs.E(errs.Invalid, "key: required")
	case a.Track == "":
		return errs.E(errs.Invalid, "track: required")
	case !a.Rule.Valid():
		return errs.E(errs.Invalid, "rule: %q is not one of %v", a.Rule, rules.Rules)
	case !a.Severity.Valid():
		return errs.E(errs.Invalid, "severity: %q is not one of %v", a.Severity, rules.Severities)
	case !a.State.Valid():
		return errs.E(errs.Invalid, "state: %q is not one of %v", a.State, alert.States)
	}
	if err := a.Position.Validate(); err != nil {
		return errs.E(errs.Invalid, "position: %v", err)
	}
	return nil
}

// ApplyAlerts writes the pipeline's alert changes and its cursor in one
// transaction.
func (db *DB) ApplyAlerts(ctx context.Context, changes []alert.Change, cursor uint64) ([]alert.Alert, error) {
	if cursor > math.MaxInt64 {
		return nil, errs.E(errs.Invalid, "cursor: %d is out of range", cursor)
	}
	out := make([]alert.Alert, len(changes))
	err := db.inTx(ctx, "apply alerts", func(tx pgx.Tx) error {
		for i := range changes {
			a, err := applyChange(ctx, tx, &changes[i], out[:i])
			if err != nil {
				return fmt.Errorf("changes[%d]: %w", i, err)
			}
			out[i] = a
		}
		_, err := tx.Exec(ctx, `INSERT INTO pipeline_cursor (id, cursor) VALUES (1, $1)
			ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor`, int64(cursor))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyChange writes one pipeline change; done holds the alerts of the
// changes before it in the same call.
func applyChange(ctx context.Context, tx pgx.Tx, ch *alert.Change, done []alert.Alert) (alert.Alert, error) {
	switch ch.Kind {
	case alert.KindRaised:
		return insertAlert(ctx, tx, ch, done)
	case alert.KindUpdated, alert.KindEscalated:
		return updateAlertEvent(ctx, tx, ch)
	case alert.KindSuppressed:
		_, err := tx.Exec(ctx, "UPDATE alert_suppressions SET hits = hits + 1 WHERE id = $1", ch.Suppression)
		return ch.Alert, err
	}
	return alert.Alert{}, errs.E(errs.Invalid, "kind: %q is not raised, updated, escalated or suppressed", ch.Kind)
}

func insertAlert(ctx context.Context, tx pgx.Tx, ch *alert.Change, done []alert.Alert) (alert.Alert, error) {
	a := &ch.Alert
	if err := checkAlert(a); err != nil {
		return alert.Alert{}, err
	}
	if !a.State.Open() {
		return alert.Alert{}, errs.E(errs.Invalid, "state: a raised alert must be open, not %s", a.State)
	}
	group := a.GroupID
	if group < 0 {
		n := -group
		if n > int64(len(done)) || done[n-1].ID == 0 {
			return alert.Alert{}, errs.E(errs.Invalid, "group_id: %d names no alert raised earlier in the batch", group)
		}
		group = done[n-1].GroupID
	}
	members, err := jsonArray(a.Members)
	if err != nil {
		return alert.Alert{}, err
	}
	evidence, err := jsonArray(a.Evidence)
	if err != nil {
		return alert.Alert{}, err
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO alerts (key, rule, severity, severity_rank, state, track,
		members, sector, lat, lon, chainage_m, distance_m, class, count, zone, barrier, crossing,
		predicted_crossing, summary, active, raised, updated, updates, group_id, escalated, escalate_at,
		ack_by, ack_at, assigned_to, assigned_at, resolved_by, resolved_at, note, dismiss_reason,
		evidence, exercise)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36) RETURNING id`,
		a.Key, a.Rule, a.Severity, a.Severity.Rank(), a.State, a.Track,
		members, a.Sector, a.Position.Lat, a.Position.Lon, a.Chainage, a.Distance, a.Class, a.Count, a.Zone, a.Barrier, a.Crossing,
		timeArg(a.PredictedCrossing), a.Summary, a.Active, unixNano(a.Raised), unixNano(a.Updated), a.Updates, group, a.Escalated, timeArg(a.EscalateAt),
		a.AckBy, timeArg(a.AckAt), a.AssignedTo, timeArg(a.AssignedAt), a.ResolvedBy, timeArg(a.ResolvedAt), a.Note, a.DismissReason,
		evidence, a.Exercise).Scan(&id)
	if err != nil {
		return alert.Alert{}, err
	}
	if group == 0 {
		if _, err := tx.Exec(ctx, "UPDATE alerts SET group_id = id WHERE id = $1", id); err != nil {
			return alert.Alert{}, err
		}
	}
	stored, err := scanAlert(tx.QueryRow(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = $1", id))
	if err != nil {
		return alert.Alert{}, err
	}
	return stored, insertChange(ctx, tx, ch, stored)
}

// updateAlertEvent writes what the rules report about an alert and its
// escalation, leaving the operators' fields alone.
func updateAlertEvent(ctx context.Context, tx pgx.Tx, ch *alert.Change) (alert.Alert, error) {
	a := &ch.Alert
	if err := checkAlert(a); err != nil {
		return alert.Alert{}, err
	}
	members, err := jsonArray(a.Members)
	if err != nil {
		return alert.Alert{}, err
	}
	evidence, err := jsonArray(a.Evidence)
	if err != nil {
		return alert.Alert{}, err
	}
	stored, err := scanAlert(tx.QueryRow(ctx, `UPDATE alerts SET severity = $1, severity_rank = $2,
		members = $3, sector = $4, lat = $5, lon = $6, chainage_m = $7, distance_m = $8, class = $9, count = $10,
		zone = $11, barrier = $12, crossing = $13, predicted_crossing = $14, summary = $15, active = $16, updated = $17,
		updates = $18, escalated = $19, escalate_at = $20, evidence = $21
		WHERE id = $22 RETURNING `+alertColumns,
		a.Severity, a.Severity.Rank(), members, a.Sector, a.Position.Lat, a.Position.Lon, a.Chainage,
		a.Distance, a.Class, a.Count, a.Zone, a.Barrier, a.Crossing, timeArg(a.PredictedCrossing), a.Summary,
		a.Active, unixNano(a.Updated), a.Updates, a.Escalated, timeArg(a.EscalateAt), evidence, a.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return alert.Alert{}, errs.E(errs.NotFound, "alert %d: not found", a.ID)
	}
	if err != nil {
		return alert.Alert{}, err
	}
	return stored, insertChange(ctx, tx, ch, stored)
}

// insertChange appends a change to the alert's history with a snapshot of
// the alert as stored, without its evidence.
func insertChange(ctx context.Context, tx pgx.Tx, ch *alert.Change, stored alert.Alert) error {
	stored.Evidence = nil
	snap, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx,
		"INSERT INTO alert_changes (alert_id, kind, at, by_user, from_state, alert) VALUES ($1, $2, $3, $4, $5, $6)",
		stored.ID, ch.Kind, unixNano(ch.At), ch.By, ch.From, string(snap))
	return err
}

// UpdateAlert applies an operator's life-cycle change if the alert is
// still in the state the change starts from.
func (db *DB) UpdateAlert(ctx context.Context, a alert.Alert, ch alert.Change) error {
	switch ch.Kind {
	case alert.KindAcknowledged, alert.KindAssigned, alert.KindResolved, alert.KindDismissed:
	default:
		return errs.E(errs.Invalid, "kind: %q is not a life-cycle change", ch.Kind)
	}
	if !ch.From.Valid() {
		return errs.E(errs.Invalid, "from: %q is not one of %v", ch.From, alert.States)
	}
	if !a.State.Valid() {
		return errs.E(errs.Invalid, "state: %q is not one of %v", a.State, alert.States)
	}
	op := fmt.Sprintf("update alert %d", a.ID)
	return db.inTx(ctx, op, func(tx pgx.Tx) error {
		stored, err := scanAlert(tx.QueryRow(ctx, `UPDATE alerts SET state = $1, ack_by = $2, ack_at = $3,
			assigned_to = $4, assigned_at = $5, resolved_by = $6, resolved_at = $7, note = $8, dismiss_reason = $9,
			escalate_at = $10
			WHERE id = $11 AND state = $12 RETURNING `+alertColumns,
			a.State, a.AckBy, timeArg(a.AckAt), a.AssignedTo, timeArg(a.AssignedAt), a.ResolvedBy,
			timeArg(a.ResolvedAt), a.Note, a.DismissReason, timeArg(a.EscalateAt), a.ID, ch.From))
		if errors.Is(err, pgx.ErrNoRows) {
			var state alert.State
			err := tx.QueryRow(ctx, "SELECT state FROM alerts WHERE id = $1", a.ID).Scan(&state)
			if errors.Is(err, pgx.ErrNoRows) {
				return errs.E(errs.NotFound, "alert %d: not found", a.ID)
			}
			if err != nil {
				return err
			}
			return errs.E(errs.Conflict, "alert %d: state is %s, not %s: it changed meanwhile", a.ID, state, ch.From)
		}
		if err != nil {
			return err
		}
		return insertChange(ctx, tx, &ch, stored)
	})
}

// Alert returns one alert.
func (db *DB) Alert(ctx context.Context, id int64) (alert.Alert, error) {
	a, err := scanAlert(db.pool.QueryRow(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return alert.Alert{}, errs.E(errs.NotFound, "alert %d: not found", id)
	}
	if err != nil {
		return alert.Alert{}, translate(fmt.Sprintf("alert %d", id), err)
	}
	return a, nil
}

// OpenAlertByKey returns the open alert of a key, if there is one.
func (db *DB) OpenAlertByKey(ctx context.Context, key string) (alert.Alert, bool, error) {
	a, err := scanAlert(db.pool.QueryRow(ctx,
		"SELECT "+alertColumns+" FROM alerts WHERE key = $1 AND state IN "+openStates, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return alert.Alert{}, false, nil
	}
	if err != nil {
		return alert.Alert{}, false, translate("open alert by key", err)
	}
	return a, true, nil
}

func (db *DB) queryAlerts(ctx context.Context, op, query string, args ...any) ([]alert.Alert, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []alert.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, translate(op, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(op, err)
	}
	return out, nil
}

// Alerts returns the alerts the filter selects, newest first.
func (db *DB) Alerts(ctx context.Context, f alert.Filter) ([]alert.Alert, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	// next names the next argument, which the caller appends.
	next := func() string { return fmt.Sprintf("$%d", len(args)+1) }
	if len(f.States) > 0 {
		where, args = append(where, "state = ANY("+next()+")"), append(args, alertStateStrings(f.States))
	}
	if f.MinSeverity != "" {
		where, args = append(where, "severity_rank >= "+next()), append(args, f.MinSeverity.Rank())
	}
	if len(f.Sectors) > 0 {
		where, args = append(where, "sector = ANY("+next()+")"), append(args, f.Sectors)
	}
	if f.Rule != "" {
		where, args = append(where, "rule = "+next()), append(args, string(f.Rule))
	}
	if f.Track != "" {
		where, args = append(where, "track = "+next()), append(args, f.Track)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "raised >= "+next()), append(args, unixNano(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "raised < "+next()), append(args, unixNano(f.Until))
	}
	if f.Group != 0 {
		where, args = append(where, "group_id = "+next()), append(args, f.Group)
	}
	if f.Before != 0 {
		where, args = append(where, "id < "+next()), append(args, f.Before)
	}
	q := "SELECT " + alertColumns + " FROM alerts"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + next()
	args = append(args, f.EffectiveLimit())
	return db.queryAlerts(ctx, "list alerts", q, args...)
}

// OpenAlerts returns every open alert, oldest first.
func (db *DB) OpenAlerts(ctx context.Context) ([]alert.Alert, error) {
	return db.queryAlerts(ctx, "open alerts",
		"SELECT "+alertColumns+" FROM alerts WHERE state IN "+openStates+" ORDER BY id")
}

// AlertHistory returns every change of an alert, oldest first.
func (db *DB) AlertHistory(ctx context.Context, id int64) ([]alert.Change, error) {
	op := fmt.Sprintf("alert %d history", id)
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM alerts WHERE id = $1", id).Scan(&n); err != nil {
		return nil, translate(op, err)
	}
	if n == 0 {
		return nil, errs.E(errs.NotFound, "alert %d: not found", id)
	}
	rows, err := db.pool.Query(ctx,
		"SELECT kind, at, by_user, from_state, alert FROM alert_changes WHERE alert_id = $1 ORDER BY id", id)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []alert.Change
	for rows.Next() {
		var ch alert.Change
		var at int64
		var snap string
		if err := rows.Scan(&ch.Kind, &at, &ch.By, &ch.From, &snap); err != nil {
			return nil, translate(op, err)
		}
		ch.At = fromUnixNano(at)
		if err := json.Unmarshal([]byte(snap), &ch.Alert); err != nil {
			return nil, fmt.Errorf("%s: snapshot: %w", op, err)
		}
		out = append(out, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(op, err)
	}
	return out, nil
}

// Cursor returns the pipeline cursor, 0 if none was stored.
func (db *DB) Cursor(ctx context.Context) (uint64, error) {
	var c int64
	err := db.pool.QueryRow(ctx, "SELECT cursor FROM pipeline_cursor WHERE id = 1").Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, translate("pipeline cursor", err)
	}
	return uint64(c), nil
}

// AddSuppression stores a suppression and returns it with its id.
func (db *DB) AddSuppression(ctx context.Context, sp alert.Suppression) (alert.Suppression, error) {
	ruleList, err := jsonArray(sp.Rules)
	if err != nil {
		return alert.Suppression{}, err
	}
	classes, err := jsonArray(sp.Classes)
	if err != nil {
		return alert.Suppression{}, err
	}
	var lat, lon any
	if sp.Center != nil {
		lat, lon = sp.Center.Lat, sp.Center.Lon
	}
	err = db.inTx(ctx, "add suppression", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO alert_suppressions (center_lat, center_lon, radius_m,
			sector, rules, classes, daylight_only, until, reason, by_user, created, hits)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			lat, lon, sp.RadiusM, sp.Sector, ruleList, classes, sp.DaylightOnly, unixNano(sp.Until),
			sp.Reason, sp.By, unixNano(sp.Created), sp.Hits).Scan(&sp.ID)
	})
	if err != nil {
		return alert.Suppression{}, err
	}
	sp.Until, sp.Created = sp.Until.UTC(), sp.Created.UTC()
	return sp, nil
}

// Suppressions returns the suppressions not expired at now, oldest first.
func (db *DB) Suppressions(ctx context.Context, now time.Time) ([]alert.Suppression, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, center_lat, center_lon, radius_m, sector, rules,
		classes, daylight_only, until, reason, by_user, created, hits
		FROM alert_suppressions WHERE until > $1 ORDER BY id`, unixNano(now))
	if err != nil {
		return nil, translate("suppressions", err)
	}
	defer rows.Close()
	var out []alert.Suppression
	for rows.Next() {
		var sp alert.Suppression
		var lat, lon *float64
		var ruleList, classes string
		var until, created int64
		if err := rows.Scan(&sp.ID, &lat, &lon, &sp.RadiusM, &sp.Sector, &ruleList, &classes,
			&sp.DaylightOnly, &until, &sp.Reason, &sp.By, &created, &sp.Hits); err != nil {
			return nil, translate("suppressions", err)
		}
		if lat != nil && lon != nil {
			sp.Center = &geo.LatLon{Lat: *lat, Lon: *lon}
		}
		if err := json.Unmarshal([]byte(ruleList), &sp.Rules); err != nil {
			return nil, fmt.Errorf("suppression %d rules: %w", sp.ID, err)
		}
		if err := json.Unmarshal([]byte(classes), &sp.Classes); err != nil {
			return nil, fmt.Errorf("suppression %d classes: %w", sp.ID, err)
		}
		if len(sp.Rules) == 0 {
			sp.Rules = nil
		}
		if len(sp.Classes) == 0 {
			sp.Classes = nil
		}
		sp.Until, sp.Created = fromUnixNano(until), fromUnixNano(created)
		out = append(out, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("suppressions", err)
	}
	return out, nil
}

// RemoveSuppression deletes a suppression.
func (db *DB) RemoveSuppression(ctx context.Context, id int64) error {
	return db.inTx(ctx, fmt.Sprintf("remove suppression %d", id), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM alert_suppressions WHERE id = $1", id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errs.E(errs.NotFound, "suppression %d: not found", id)
		}
		return nil
	})
}

func alertStateStrings(states []alert.State) []string {
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = string(st)
	}
	return out
}
