package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raqib/internal/errs"

	"golang.org/x/mod/sumdb/note"
)

func TestGenerateKey(t *testing.T) {
	skey, vkey, err := GenerateKey("raqib-audit-hq")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: "hello\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Fatalf("open: %v", err)
	}
	for _, name := range []string{"", "two words", "a+b", "tab\there"} {
		if _, _, err := GenerateKey(name); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("name %q: %v", name, err)
		}
	}
}

func TestLoadKeyFiles(t *testing.T) {
	skey, vkey, err := GenerateKey("raqib-audit-hq")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := LoadSigner(write("ok.skey", "\n"+skey+"\n")); err != nil {
		t.Fatalf("signer file: %v", err)
	}
	if _, err := LoadVerifier(write("ok.vkey", vkey)); err != nil {
		t.Fatalf("verifier file: %v", err)
	}
	_, rest, _ := strings.Cut(skey, "+KEY+")
	name, rest, _ := strings.Cut(rest, "+")
	hash, key, _ := strings.Cut(rest, "+")
	cases := []struct{ name, body, says string }{
		{"empty", "\n", "empty"},
		{"two lines", skey + "\n" + skey, "more than one line"},
		{"verifier key", vkey, "holds a verifier key, not a signer key"},
		{"no prefix", "KEY+" + rest, "must start with PRIVATE+KEY+"},
		{"no hash", "PRIVATE+KEY+" + name, "found no '+'"},
		{"no key", "PRIVATE+KEY+" + name + "+" + hash, "no key after the hash"},
		{"bad hash", "PRIVATE+KEY+" + name + "+xyz+" + key, `key hash: "xyz" is not 8 hex digits`},
		{"bad base64", "PRIVATE+KEY+" + name + "+" + hash + "+!!!!", "not standard base64"},
		{"other algorithm", "PRIVATE+KEY+" + name + "+" + hash + "+AgAA", "key algorithm: 2, only Ed25519"},
		{"short key", "PRIVATE+KEY+" + name + "+" + hash + "+AQAA", "key: 3 bytes, want 33"},
		{"hash of another key", "PRIVATE+KEY+" + name + "+00000000+" + key, "does not match the key"},
		{"too large", strings.Repeat("x", maxKeyFile+1), "longer than 4096 bytes"},
	}
	for _, c := range cases {
		path := write(strings.ReplaceAll(c.name, " ", "-")+".skey", c.body)
		_, err := LoadSigner(path)
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want invalid saying %q", c.name, err, c.says)
			continue
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("%s: the error repeats the key", c.name)
		}
	}
	if _, err := LoadVerifier(write("s.vkey", skey)); err == nil || !strings.Contains(err.Error(), "holds a signer key") {
		t.Errorf("signer key as verifier: %v", err)
	}
	if _, err := LoadSigner(filepath.Join(dir, "missing")); err == nil || errs.CodeOf(err) != errs.Internal {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Verifiers(vkey, "junk"); err == nil || !strings.Contains(err.Error(), "verifier key 2") {
		t.Errorf("verifier list with junk: %v", err)
	}
}
