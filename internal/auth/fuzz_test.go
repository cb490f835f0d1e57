package auth_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// addLines seeds a fuzz target with each line of a file in testdata.
func addLines(f *testing.F, name string) {
	file, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	n := 0
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		f.Add(sc.Text())
		n++
	}
	if err := sc.Err(); err != nil {
		f.Fatal(err)
	}
	if n == 0 {
		f.Fatalf("no seeds in testdata/%s", name)
	}
}

// FuzzDecodeHash: a hash string either decodes within the limits and
// encodes back to itself, or is refused with an Invalid error naming the
// password hash.
func FuzzDecodeHash(f *testing.F) {
	addLines(f, "hashes.txt")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := auth.DecodeHash(s)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid || !strings.HasPrefix(errs.MessageOf(err), "password hash: ") {
				t.Fatalf("refusal %v", err)
			}
			if h.Salt != nil || h.Key != nil {
				t.Fatalf("refused hash returned %+v", h)
			}
			return
		}
		if err := h.Params.Validate(); err != nil {
			t.Fatalf("accepted %q outside the limits: %v", s, err)
		}
		if h.String() != s {
			t.Fatalf("accepted %q, which encodes as %q", s, h.String())
		}
	})
}

// FuzzDecodeSessionToken: a cookie value either decodes to the hex SHA-256
// of the 32 bytes it encodes canonically, or is refused as Unauthorized.
func FuzzDecodeSessionToken(f *testing.F) {
	addLines(f, "session-tokens.txt")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := auth.DecodeSessionToken(s)
		if err != nil {
			if errs.CodeOf(err) != errs.Unauthorized || id != "" || !strings.HasPrefix(errs.MessageOf(err), "session token: ") {
				t.Fatalf("refusal %q %v", id, err)
			}
			return
		}
		checkSecret(t, s, id)
	})
}

// FuzzDecodeAPIToken: a token either decodes to its id and the hex
// SHA-256 of a canonically encoded 32-byte secret, or is refused as
// Unauthorized.
func FuzzDecodeAPIToken(f *testing.F) {
	addLines(f, "api-tokens.txt")
	f.Fuzz(func(t *testing.T, s string) {
		id, hash, err := auth.DecodeAPIToken(s)
		if err != nil {
			if errs.CodeOf(err) != errs.Unauthorized || id != "" || hash != "" || !strings.HasPrefix(errs.MessageOf(err), "api token: ") {
				t.Fatalf("refusal %q %q %v", id, hash, err)
			}
			return
		}
		if len(s) != auth.APITokenLen || s != "rqb_"+id+"_"+s[21:] || len(id) != auth.APITokenIDLen {
			t.Fatalf("accepted %q as id %q", s, id)
		}
		if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
			t.Fatalf("accepted id %q", id)
		}
		checkSecret(t, s[21:], hash)
	})
}

func checkSecret(t *testing.T, secret, hash string) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) != 32 || base64.RawURLEncoding.EncodeToString(raw) != secret {
		t.Fatalf("accepted secret %q, not canonical base64url of 32 bytes (%v)", secret, err)
	}
	sum := sha256.Sum256(raw)
	if hex.EncodeToString(sum[:]) != hash {
		t.Fatalf("secret %q: hash %q", secret, hash)
	}
}
