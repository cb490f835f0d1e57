package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeSelfSignedTLS: with a generated certificate the server speaks
// HTTPS only, sends HSTS, keeps the certificate across restarts, and the
// simulator delivers to it trusting that certificate.
func TestServeSelfSignedTLS(t *testing.T) {
	m := startMain(t, "--tls-self-signed")
	if !strings.HasPrefix(m.URL(), "https://") {
		t.Fatalf("URL %s is not https", m.URL())
	}
	cfg, err := clientTLS(m.tlsCert)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get(m.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz over TLS: %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
		t.Errorf("Strict-Transport-Security = %q", got)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	plain := strings.Replace(m.URL(), "https://", "http://", 1)
	if resp, err := http.Get(plain + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the TLS port")
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr := strings.TrimPrefix(m.URL(), "https://")
	out, err := runCommand(t, ctx, "sim", "--scenario", "infiltration-anbar", "--intensity", "quiet",
		"--start", time.Now().UTC().Add(-10*time.Minute).Format(time.RFC3339), "--duration", "20s", "--speed", "0",
		"--addr", addr, "--ca", m.tlsCert)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "failed 0 observations, 0 heartbeats") {
		t.Fatalf("the simulator reports failures over TLS:\n%s", out)
	}
	if _, err := runCommand(t, ctx, "sim", "--scenario", "infiltration-anbar", "--duration", "1s",
		"--addr", addr); err == nil {
		t.Error("the simulator delivered over plain HTTP to the TLS port")
	}
}

func TestSelfSignedKeptAndRenewed(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f1, c1, err := selfSigned(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	_, c2, err := selfSigned(dir, now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !c1.Leaf.Equal(c2.Leaf) {
		t.Error("a valid certificate was replaced")
	}
	_, c3, err := selfSigned(dir, now.Add(selfSignedLifetime-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c1.Leaf.Equal(c3.Leaf) {
		t.Error("a certificate about to expire was kept")
	}
	if err := c3.Leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	if err := os.WriteFile(f1, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := selfSigned(dir, now); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("a damaged certificate file: %v", err)
	}
}

func TestTLSConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", "c.pem"}, "tls-cert, tls-key: give both"},
		{[]string{"--tls-key", "k.pem"}, "tls-cert, tls-key: give both"},
		{[]string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-self-signed"}, "tls-self-signed: not with tls-cert"},
		{[]string{"--tls-client-ca", "ca.pem"}, "tls-client-ca: client certificates need HTTPS"},
	} {
		m := NewMain(&strings.Builder{}, &strings.Builder{})
		m.Getenv = func(string) string { return "" }
		err := m.ParseFlags("serve", tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, _, err := serverTLS(Config{TLSCert: "/nonexistent/c.pem", TLSKey: "/nonexistent/k.pem"}, time.Now()); err == nil ||
		!strings.Contains(err.Error(), "tls-cert") {
		t.Errorf("missing certificate files: %v", err)
	}
}

// TestDemoDefaultsSurviveFlags: what the demo sets before parsing (its data
// directory, HTTPS) stays unless a flag or the environment says otherwise.
func TestDemoDefaultsSurviveFlags(t *testing.T) {
	m := NewMain(&strings.Builder{}, &strings.Builder{})
	m.Getenv = func(string) string { return "" }
	m.Config.DataDir = filepath.Join("data", "demo")
	m.Config.TLSSelfSigned = true
	if err := m.ParseFlags("demo", nil); err != nil {
		t.Fatal(err)
	}
	if m.Config.DataDir != filepath.Join("data", "demo") || !m.Config.TLSSelfSigned {
		t.Errorf("demo defaults lost: data %q, self-signed %v", m.Config.DataDir, m.Config.TLSSelfSigned)
	}
	m.Config.TLSSelfSigned = true
	if err := m.ParseFlags("demo", []string{"--tls-self-signed=false", "--data", "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if m.Config.DataDir != "elsewhere" || m.Config.TLSSelfSigned {
		t.Errorf("flags ignored: data %q, self-signed %v", m.Config.DataDir, m.Config.TLSSelfSigned)
	}
}
