package auth_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"raqib/internal/auth"
)

// BenchmarkHashPassword is the cost of one hash with the default
// parameters: what a sign-in, a password change and an unknown name
// each spend.
func BenchmarkHashPassword(b *testing.B) {
	p := auth.DefaultParams()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.HashPassword(alicePW, p, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate is a whole sign-in with the default parameters,
// over the memory store: the argon2 cost plus the bookkeeping.
func BenchmarkAuthenticate(b *testing.B) {
	for _, tc := range []struct {
		name, user, pw string
	}{
		{"success", "alice", alicePW},
		{"unknown_user", "nobody", alicePW},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFixture(b, func(c *auth.Config) { c.Hash = auth.DefaultParams(); c.AddrMaxFailures = 1 << 30 })
			f.addUser(b, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, err := f.svc.Accounts.Authenticate(ctx, tc.user, tc.pw, "10.0.0.1")
				if (err == nil) != (tc.user == "alice") {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSessionLookup is what a request with a session cookie costs
// before its handler runs, over the memory store: decode, hash, session
// and user lookups, principal.
func BenchmarkSessionLookup(b *testing.B) {
	f := newFixture(b, nil)
	u := f.addUser(b, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator, auth.RoleSupervisor),
		Sectors: sectors("S03", "S04", "S05")})
	token, _, err := f.svc.Sessions.Create(context.Background(), u, "10.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, sess, err := f.svc.Sessions.Authenticate(ctx, token)
		if err != nil {
			b.Fatal(err)
		}
		if err := auth.CheckCSRF(sess, sess.CSRF); err != nil || p.User != "alice" {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorize is the policy check an authorised request adds, by
// the number of sectors the principal holds.
func BenchmarkAuthorize(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("S%03d", i)
		}
		p := auth.Principal{User: "alice", Force: auth.ForceArmy, Roles: roles(auth.RoleOperator, auth.RoleSupervisor),
			Sectors: sectors(ids...), Via: auth.ViaSession}
		ctx := auth.WithPrincipal(context.Background(), p)
		target := ids[n-1]
		b.Run(fmt.Sprintf("sectors=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := auth.Authorize(ctx, auth.ActionAlertAct, target); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("refused", func(b *testing.B) {
		p := auth.Principal{User: "alice", Force: auth.ForceArmy, Roles: roles(auth.RoleOperator), Sectors: sectors("S03")}
		ctx := auth.WithPrincipal(context.Background(), p)
		b.ReportAllocs()
		for b.Loop() {
			if err := auth.Authorize(ctx, auth.ActionAlertAct, "S11"); err == nil {
				b.Fatal("allowed")
			}
		}
	})
}
