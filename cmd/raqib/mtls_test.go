package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA makes a certificate authority and issues client certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sensor CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) pemFile(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// client issues a client certificate for the common name.
func (ca *testCA) client(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestSensorClientCertificates: with --tls-client-ca a sensor signs in with
// its certificate and may submit its own data only; a certificate of
// another CA is refused, and the rest of the API still wants a session or a
// token.
func TestSensorClientCertificates(t *testing.T) {
	ca := newTestCA(t)
	m := startMain(t, "--tls-self-signed", "--tls-client-ca", ca.pemFile(t))
	roots, err := clientTLS(m.tlsCert)
	if err != nil {
		t.Fatal(err)
	}
	do := func(cert *tls.Certificate, method, path string, body []byte) (int, string) {
		t.Helper()
		cfg := roots.Clone()
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		tr := &http.Transport{TLSClientConfig: cfg}
		defer tr.CloseIdleConnections()
		req, err := http.NewRequest(method, m.URL()+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	at := time.Now().UTC().Add(-time.Minute)
	own, other := ca.client(t, "MTLS-1"), newTestCA(t).client(t, "MTLS-1")
	for _, c := range []struct {
		name   string
		cert   *tls.Certificate
		method string
		path   string
		body   []byte
		code   int
		want   string
	}{
		{"own sensor", &own, "POST", "/api/v1/observations", batchJSON("MTLS-1", 1, 3, at), 200, `"accepted":3`},
		{"another sensor", &own, "POST", "/api/v1/observations", batchJSON("MTLS-2", 1, 3, at), 403, "MTLS-2"},
		{"the picture", &own, "GET", "/api/v1/tracks", nil, 403, "sensor:MTLS-1"},
		{"no credentials", nil, "POST", "/api/v1/observations", batchJSON("MTLS-1", 4, 3, at), 401, "sign in required"},
	} {
		code, body := do(c.cert, c.method, c.path, c.body)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, code, body, c.code, c.want)
		}
	}
	if code, body := do(&other, "POST", "/api/v1/observations", batchJSON("MTLS-1", 7, 3, at)); code != 0 {
		t.Errorf("a certificate of another CA: %d %s, want the handshake refused", code, body)
	}
}
