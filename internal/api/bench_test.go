package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"raqib/internal/auth"
)

// BenchmarkAuthenticatedRequest measures what authentication and the
// access check add to a GET: a public route against a route that needs
// the view action, signed in by session cookie (over SQLite) and by API
// token. The handlers themselves are trivial.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	f := newFixture(b)
	f.addUser(b, "watch.officer", auth.ForceJOC, "watch officer passphrase", auth.Privileges{
		Roles: []auth.Role{auth.RoleSupervisor}, Sectors: auth.AllSectors()})
	session := f.login(b, "watch.officer", "watch officer passphrase")
	token := cred{token: f.issueToken(b, "watch.officer", auth.TokenScope{Roles: []auth.Role{auth.RoleSupervisor}, Sectors: auth.AllSectors()})}
	h := f.srv.Config.Handler
	for _, bc := range []struct {
		name, path string
		c          cred
	}{
		{"public", "/healthz", cred{}},
		{"session", "/api/v1/version", cred{cookie: session.cookie}},
		{"token", "/api/v1/version", token},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", bc.path, nil)
			bc.c.set(req)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", bc.path, rec.Code, rec.Body)
				}
			}
		})
	}
}
