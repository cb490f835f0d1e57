package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// testHash makes password hashes cheap in tests of the server (the
// defaults cost 64 MiB and tens of milliseconds each, seconds under the
// race detector); the hashing itself is tested in internal/auth.
var testHash = auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// The tests' credentials: an API token of the account "tester" (joc;
// supervisor, commander and sensor in every sector) for each data
// directory, and which server URL answers to which token.
var (
	testTokensMu sync.Mutex
	dirTokens    = map[string]string{}
	urlTokens    = map[string]string{}
)

// issueTestToken gives the tester account of a Main's accounts a token.
func issueTestToken(ctx context.Context, svc *auth.Service) (string, error) {
	cli := cliContext(ctx)
	if _, err := svc.Accounts.User(cli, "tester"); errs.Is(err, errs.NotFound) {
		if _, err := svc.Accounts.AddUser(cli, auth.NewUser{Name: "tester", DisplayName: "Test driver", Force: auth.ForceJOC}); err != nil {
			return "", err
		}
		priv := auth.Privileges{Roles: []auth.Role{auth.RoleSupervisor, auth.RoleCommander, auth.RoleSensor}, Sectors: auth.AllSectors()}
		if err := svc.Accounts.GrantAsSystem(cli, "tester", priv); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	tok, _, err := svc.Tokens.Issue(cli, "tester", "tests", auth.TokenScope{
		Roles: []auth.Role{auth.RoleSupervisor, auth.RoleCommander, auth.RoleSensor}, Sectors: auth.AllSectors()}, 24*time.Hour)
	return tok, err
}

// dirToken returns the tester's token for the data directory, creating the
// database and the account if need be (before a child server starts).
func dirToken(t testing.TB, dataDir string) string {
	t.Helper()
	testTokensMu.Lock()
	defer testTokensMu.Unlock()
	if tok, ok := dirTokens[dataDir]; ok {
		return tok
	}
	a, err := openAccounts(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	tok, err := issueTestToken(context.Background(), a.auth)
	if err != nil {
		t.Fatal(err)
	}
	dirTokens[dataDir] = tok
	return tok
}

// serverToken records that the server at url (scheme://host:port) takes
// tok.
func serverToken(url, tok string) {
	testTokensMu.Lock()
	urlTokens[url] = tok
	testTokensMu.Unlock()
}

// tokenFor returns the token of the server a URL (or a host:port) points
// at, or "".
func tokenFor(url string) string {
	testTokensMu.Lock()
	defer testTokensMu.Unlock()
	for base, tok := range urlTokens {
		if strings.HasPrefix(url, base) || strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://") == url {
			return tok
		}
	}
	return ""
}

// authorize sets the bearer token of the request's server.
func authorize(req *http.Request) {
	if tok := tokenFor(req.URL.Scheme + "://" + req.URL.Host); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
}
