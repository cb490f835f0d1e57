package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"raqib/internal/errs"
)

// An API token is "rqb_<id>_<secret>": the id is 16 lower-case hex digits
// (8 random bytes) that name the token, the secret 43 characters of
// unpadded base64url (32 random bytes). The store keeps the id and the hex
// SHA-256 of the secret's bytes.
const (
	apiTokenPrefix = "rqb_"
	APITokenIDLen  = 16
	APITokenLen    = len(apiTokenPrefix) + APITokenIDLen + 1 + SessionTokenLen // 64
	// MaxTokenLabelLen bounds a token's label, in bytes.
	MaxTokenLabelLen = 64
)

// DecodeAPIToken checks the form of an API token and returns its id and
// the hex SHA-256 of its secret.
func DecodeAPIToken(s string) (id, secretHash string, err error) {
	if len(s) != APITokenLen {
		return "", "", errs.E(errs.Unauthorized, "api token: %d characters, want %d", len(s), APITokenLen)
	}
	if !strings.HasPrefix(s, apiTokenPrefix) {
		return "", "", errs.E(errs.Unauthorized, "api token: prefix is not %q", apiTokenPrefix)
	}
	id = s[len(apiTokenPrefix) : len(apiTokenPrefix)+APITokenIDLen]
	if err := checkTokenID(id); err != nil {
		return "", "", err
	}
	if s[len(apiTokenPrefix)+APITokenIDLen] != '_' {
		return "", "", errs.E(errs.Unauthorized, "api token: no '_' after the id")
	}
	var raw [tokenBytes]byte
	n, err := b64url.Decode(raw[:], []byte(s[len(s)-SessionTokenLen:]))
	if err != nil || n != tokenBytes {
		return "", "", errs.E(errs.Unauthorized, "api token: secret is not unpadded base64url")
	}
	sum := sha256.Sum256(raw[:])
	return id, hex.EncodeToString(sum[:]), nil
}

func checkTokenID(id string) error {
	if len(id) != APITokenIDLen {
		return errs.E(errs.Unauthorized, "api token: id %.20q is not %d hex digits", id, APITokenIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return errs.E(errs.Unauthorized, "api token: id %.20q is not %d lower-case hex digits", id, APITokenIDLen)
		}
	}
	return nil
}

// TokenScope is what a token may do: a subset of its owner's roles,
// sectors and clearance, or, for an ingest token, one sensor's data.
type TokenScope struct {
	Roles     []Role    `json:"roles"`
	Sectors   Sectors   `json:"sectors"`
	Clearance Clearance `json:"clearance"`
	// Sensor makes an ingest token: its roles are [sensor] and it submits
	// this sensor's data only.
	Sensor string `json:"sensor,omitempty"`
}

// APIToken is a program's or a sensor's credential.
type APIToken struct {
	ID         string     `json:"id"`
	Owner      string     `json:"owner"`
	Label      string     `json:"label"`
	Scope      TokenScope `json:"scope"`
	SecretHash string     `json:"-"`
	Created    time.Time  `json:"created"`
	Expires    time.Time  `json:"expires"`
	Revoked    time.Time  `json:"revoked"`   // zero if not
	LastUsed   time.Time  `json:"last_used"` // zero if never
}

// Tokens issues, checks and revokes API tokens.
type Tokens struct {
	store  Store
	cfg    Config
	rec    *recorder
	logger *slog.Logger
}

// Issue creates a token for owner and returns it, shown once and never
// stored, with its record. A principal issues tokens for itself; one
// allowed to manage users issues them for anyone (sensor accounts). A
// token cannot issue tokens. The scope must lie within the owner's
// privileges; ttl is at most Config.TokenMaxTTL.
func (t *Tokens) Issue(ctx context.Context, owner, label string, scope TokenScope, ttl time.Duration) (string, APIToken, error) {
	p := principalFrom(ctx)
	if p == nil {
		return "", APIToken{}, errs.E(errs.Unauthorized, "sign in required")
	}
	if p.Via == ViaToken {
		return "", APIToken{}, errs.E(errs.Forbidden, "an api token cannot issue api tokens")
	}
	if owner != p.User {
		if err := p.Can(ActionUserManage, ""); err != nil {
			return "", APIToken{}, err
		}
	}
	if ttl <= 0 || ttl > t.cfg.TokenMaxTTL {
		return "", APIToken{}, errs.E(errs.Invalid, "ttl: %v, want more than 0 and at most %v", ttl, t.cfg.TokenMaxTTL)
	}
	if err := validateDisplayName(label); err != nil || len(label) > MaxTokenLabelLen {
		return "", APIToken{}, errs.E(errs.Invalid, "label: at most %d bytes of printable UTF-8", MaxTokenLabelLen)
	}
	u, err := t.store.User(ctx, owner)
	if err != nil {
		return "", APIToken{}, fmt.Errorf("issue token: owner: %w", err)
	}
	if u.Disabled {
		return "", APIToken{}, errs.E(errs.Invalid, "owner: account %s is disabled", owner)
	}
	scope, err = checkScope(u, scope)
	if err != nil {
		return "", APIToken{}, err
	}
	var idb [APITokenIDLen / 2]byte
	if _, err := io.ReadFull(t.cfg.Rand, idb[:]); err != nil {
		return "", APIToken{}, fmt.Errorf("token id: %w", err)
	}
	raw, secret, err := newSecret(t.cfg.Rand)
	if err != nil {
		return "", APIToken{}, err
	}
	sum := sha256.Sum256(raw)
	now := t.cfg.Now().UTC()
	tok := APIToken{ID: hex.EncodeToString(idb[:]), Owner: owner, Label: label, Scope: scope,
		SecretHash: hex.EncodeToString(sum[:]), Created: now, Expires: now.Add(ttl)}
	if err := t.store.CreateToken(ctx, tok); err != nil {
		return "", APIToken{}, fmt.Errorf("issue token: %w", err)
	}
	detail := map[string]string{"owner": owner, "roles": rolesString(scope.Roles), "sectors": scope.Sectors.String(),
		"expires": tok.Expires.Format(time.RFC3339)}
	if scope.Sensor != "" {
		detail["sensor"] = scope.Sensor
	}
	if err := t.rec.record(ctx, actorEvent(ctx, AuditTokenIssue, "token/"+tok.ID, OutcomeSuccess, detail)); err != nil {
		// A token the trail does not hold is not handed out.
		if rerr := t.store.RevokeToken(ctx, tok.ID, now); rerr != nil {
			t.logger.Error("unaudited token not revoked", "token", tok.ID, "err", rerr)
		}
		return "", APIToken{}, unrecorded(AuditTokenIssue, "token/"+tok.ID, err)
	}
	return apiTokenPrefix + tok.ID + "_" + secret, tok, nil
}

// checkScope validates a scope against its owner and normalises it.
func checkScope(u User, s TokenScope) (TokenScope, error) {
	if s.Sensor != "" {
		if err := ValidateSectorID(s.Sensor); err != nil {
			return s, errs.E(errs.Invalid, "sensor: %q is not 1 to %d characters of A-Z a-z 0-9 . _ -", s.Sensor, MaxSectorIDLen)
		}
		if len(s.Roles) == 0 {
			s.Roles = []Role{RoleSensor}
		}
		if len(s.Roles) != 1 || s.Roles[0] != RoleSensor {
			return s, errs.E(errs.Invalid, "roles: an ingest token has the sensor role only")
		}
		if !s.Sectors.Empty() || s.Clearance != ClearanceNone {
			return s, errs.E(errs.Invalid, "scope: an ingest token has no sectors and no clearance")
		}
	}
	roles, err := normalizeRoles("roles", s.Roles)
	if err != nil {
		return s, err
	}
	if len(roles) == 0 {
		return s, errs.E(errs.Invalid, "roles: a token needs at least one")
	}
	for _, r := range roles {
		if !slices.Contains(u.Roles, r) {
			return s, errs.E(errs.Forbidden, "roles: %s does not hold %s", u.Name, r)
		}
	}
	if !u.Sectors.Covers(s.Sectors) {
		return s, errs.E(errs.Forbidden, "sectors: %s holds %s, not all of %s", u.Name, u.Sectors, s.Sectors)
	}
	if !s.Clearance.Valid() || s.Clearance > u.Clearance {
		return s, errs.E(errs.Forbidden, "clearance: %s holds %s, not %s", u.Name, u.Clearance, s.Clearance)
	}
	s.Roles, s.Sectors = roles, s.Sectors.clone()
	return s, nil
}

// Authenticate checks a presented token and returns the principal it
// signs in: the owner, narrowed to the token's scope and to what the owner
// still holds. Malformed, unknown, revoked and expired tokens and tokens
// of disabled owners are errs.Unauthorized.
func (t *Tokens) Authenticate(ctx context.Context, token string) (Principal, error) {
	id, hash, err := DecodeAPIToken(token)
	if err != nil {
		return Principal{}, err
	}
	tok, err := t.store.Token(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return Principal{}, errs.E(errs.Unauthorized, "api token %s: unknown", id)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("token lookup: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(tok.SecretHash)) != 1 {
		return Principal{}, errs.E(errs.Unauthorized, "api token %s: wrong secret", id)
	}
	now := t.cfg.Now().UTC()
	var refused error
	switch {
	case !tok.Revoked.IsZero():
		refused = errs.E(errs.Unauthorized, "api token %s: revoked at %s", id, tok.Revoked.Format(time.RFC3339))
	case !now.Before(tok.Expires):
		refused = errs.E(errs.Unauthorized, "api token %s: expired at %s", id, tok.Expires.Format(time.RFC3339))
	}
	if refused != nil {
		t.rec.record(ctx, Event{Actor: tok.Owner, Via: ViaToken, Action: AuditTokenRefused, Object: "token/" + id,
			Outcome: OutcomeDenied, Detail: map[string]string{"reason": errs.MessageOf(refused)}})
		return Principal{}, refused
	}
	u, err := t.store.User(ctx, tok.Owner)
	if err != nil {
		return Principal{}, fmt.Errorf("api token %s: owner: %w", id, err)
	}
	if u.Disabled {
		return Principal{}, errs.E(errs.Unauthorized, "api token %s: account %s is disabled", id, u.Name)
	}
	if now.Sub(tok.LastUsed) >= t.cfg.TouchEvery {
		if err := t.store.TouchToken(ctx, id, now); err != nil {
			t.logger.Warn("token touch failed", "token", id, "err", err)
		}
	}
	p := Principal{User: u.Name, Force: u.Force, Sectors: u.Sectors.Intersect(tok.Scope.Sectors),
		Clearance: min(u.Clearance, tok.Scope.Clearance), Via: ViaToken, Sensor: tok.Scope.Sensor, Token: id}
	for _, r := range tok.Scope.Roles {
		if slices.Contains(u.Roles, r) {
			p.Roles = append(p.Roles, r)
		}
	}
	return p, nil
}

// Revoke revokes a token: the principal's own, or anyone's for a principal
// allowed to manage users.
func (t *Tokens) Revoke(ctx context.Context, id string) error {
	p := principalFrom(ctx)
	if p == nil {
		return errs.E(errs.Unauthorized, "sign in required")
	}
	tok, err := t.store.Token(ctx, id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if tok.Owner != p.User {
		if err := p.Can(ActionUserManage, ""); err != nil {
			return err
		}
	}
	if err := t.store.RevokeToken(ctx, id, t.cfg.Now().UTC()); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	t.rec.record(ctx, actorEvent(ctx, AuditTokenRevoke, "token/"+id, OutcomeSuccess, map[string]string{"owner": tok.Owner}))
	return nil
}

// List returns an owner's tokens, newest first: the principal's own, or
// anyone's for a principal allowed to manage users.
func (t *Tokens) List(ctx context.Context, owner string) ([]APIToken, error) {
	p := principalFrom(ctx)
	if p == nil {
		return nil, errs.E(errs.Unauthorized, "sign in required")
	}
	if owner != p.User {
		if err := p.Can(ActionUserManage, ""); err != nil {
			return nil, err
		}
	}
	out, err := t.store.Tokens(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("tokens of %s: %w", owner, err)
	}
	return out, nil
}

func rolesString(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
