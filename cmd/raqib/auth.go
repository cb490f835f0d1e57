package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"raqib/internal/auth"
	"raqib/internal/auth/audit"
	"raqib/internal/theater"
)

// auditRecorder writes the services' audit events into the audit trail.
type auditRecorder struct{ log *audit.Log }

var _ auth.Auditor = auditRecorder{}

// Record appends e, durably, as one entry of the trail: a success as "ok",
// a failure or a refusal as "refused" with its kind in the detail.
func (r auditRecorder) Record(ctx context.Context, e auth.Event) error {
	detail := make(map[string]string, len(e.Detail)+2)
	maps.Copy(detail, e.Detail)
	if e.Via != "" {
		detail["via"] = string(e.Via)
	}
	outcome := audit.OutcomeOK
	if e.Outcome != auth.OutcomeSuccess {
		outcome = audit.OutcomeRefused
		detail["result"] = string(e.Outcome)
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	actor := e.Actor
	if actor == "" {
		actor = "unknown"
	}
	_, err = r.log.Append(ctx, audit.Entry{Actor: actor, Force: string(e.Force), Action: e.Action,
		Object: e.Object, Sector: e.Sector, Outcome: outcome, Detail: raw})
	return err
}

// sectorForce says which force holds each of the theater's sectors, so
// that grants of sectors to another force's accounts are refused.
func sectorForce(th *theater.Theater) func(string) (auth.Force, bool) {
	forces := make(map[string]auth.Force, len(th.Sectors))
	for _, s := range th.Sectors {
		forces[s.ID] = auth.Force(s.Force)
	}
	return func(id string) (auth.Force, bool) {
		f, ok := forces[id]
		return f, ok
	}
}
