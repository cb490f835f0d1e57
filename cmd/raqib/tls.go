package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// selfSignedLifetime is how long a generated certificate is valid; one
// that expires within selfSignedRenew is replaced on start.
const (
	selfSignedLifetime = 365 * 24 * time.Hour
	selfSignedRenew    = 7 * 24 * time.Hour
)

// serverTLS returns the server's TLS configuration, or nil when the server
// speaks plain HTTP. With a certificate and key it loads them; with
// self-signed it loads, or generates once, a certificate for this machine's
// loopback names in dataDir/tls, and returns the certificate file's path so
// local clients (the demo simulator) can trust it.
func serverTLS(c Config, now time.Time) (*tls.Config, string, error) {
	var (
		cert     tls.Certificate
		certFile string
		err      error
	)
	switch {
	case c.TLSCert != "":
		certFile = c.TLSCert
		cert, err = tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, "", fmt.Errorf("tls-cert, tls-key: %w", err)
		}
	case c.TLSSelfSigned:
		certFile, cert, err = selfSigned(filepath.Join(c.DataDir, "tls"), now)
		if err != nil {
			return nil, "", err
		}
	default:
		return nil, "", nil
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
	}
	if c.TLSClientCA != "" {
		// Mutual TLS as an option for sensors: a certificate is verified
		// when presented; browsers and programs without one sign in with
		// a session or an API token as before.
		pool, err := loadPool(c.TLSClientCA)
		if err != nil {
			return nil, "", fmt.Errorf("tls-client-ca: %w", err)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return cfg, certFile, nil
}

// loadPool reads the PEM certificates of a file into a pool.
func loadPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no PEM certificate in the file", path)
	}
	return pool, nil
}

// selfSigned loads dir/cert.pem and dir/key.pem, generating them when they
// are missing or about to expire.
func selfSigned(dir string, now time.Time) (string, tls.Certificate, error) {
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if cert, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil {
		if leaf := cert.Leaf; leaf != nil && now.Add(selfSignedRenew).Before(leaf.NotAfter) {
			return certFile, cert, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", tls.Certificate{}, fmt.Errorf("self-signed certificate in %s: %w (remove the files to generate new ones)", dir, err)
	}
	certPEM, keyPEM, err := generateSelfSigned(now)
	if err != nil {
		return "", tls.Certificate{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	if err := writeFileMode(keyFile, keyPEM, 0o600); err != nil {
		return "", tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	if err := writeFileMode(certFile, certPEM, 0o644); err != nil {
		return "", tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return "", tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	return certFile, cert, nil
}

// generateSelfSigned makes an ECDSA P-256 certificate for localhost and the
// loopback addresses, valid from now for selfSignedLifetime.
func generateSelfSigned(now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("generate serial: %w", err)
	}
	names := []string{"localhost"}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		names = append(names, h)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Raqib"}, CommonName: "Raqib self-signed"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// clientTLS returns a client configuration trusting the certificates in the
// PEM file caFile.
func clientTLS(caFile string) (*tls.Config, error) {
	pool, err := loadPool(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
}
