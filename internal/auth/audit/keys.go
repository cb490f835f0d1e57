package audit

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"raqib/internal/errs"

	"golang.org/x/mod/sumdb/note"
)

// Keys are those of golang.org/x/mod/sumdb/note, Ed25519 only:
//
//	signer key    PRIVATE+KEY+<name>+<hash>+<base64 of 0x01 and the 32-byte seed>
//	verifier key  <name>+<hash>+<base64 of 0x01 and the 32-byte public key>
//
// where <hash> is 8 hex digits naming the key. A key file holds one key on
// one line; surrounding white space is ignored. Keep the signer key file
// readable by the raqib user only (mode 0600) and hand the verifier key to
// whoever verifies.

// maxKeyFile bounds a key file; a key is under 200 bytes.
const maxKeyFile = 4 << 10

// ed25519Alg is the algorithm byte of an Ed25519 note key.
const ed25519Alg = 1

// GenerateKey returns a new Ed25519 signer key and its verifier key, named
// name (no spaces or '+', e.g. "raqib-audit-hq").
func GenerateKey(name string) (skey, vkey string, err error) {
	if err := checkKeyName(name); err != nil {
		return "", "", err
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("generate audit key %s: %w", name, err)
	}
	return skey, vkey, nil
}

func checkKeyName(name string) error {
	switch {
	case name == "":
		return errs.E(errs.Invalid, "key name: required")
	case !utf8.ValidString(name):
		return errs.E(errs.Invalid, "key name: not valid UTF-8")
	case strings.IndexFunc(name, unicode.IsSpace) >= 0 || strings.Contains(name, "+"):
		return errs.E(errs.Invalid, "key name: %q holds a space or '+'", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return errs.E(errs.Invalid, "key name: holds a control character")
	}
	return nil
}

// ParseSigner reads a signer key, naming what is wrong with a malformed
// one. The message never repeats the key.
func ParseSigner(skey string) (note.Signer, error) {
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	if !ok {
		if _, err := note.NewVerifier(skey); err == nil {
			return nil, errs.E(errs.Invalid, "holds a verifier key, not a signer key (PRIVATE+KEY+<name>+<hash>+<key>)")
		}
		return nil, errs.E(errs.Invalid, "not a signer key: it must start with PRIVATE+KEY+")
	}
	if err := checkKeyParts(rest); err != nil {
		return nil, err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, errs.E(errs.Invalid, "the key hash does not match the key: the key is damaged")
	}
	return s, nil
}

// ParseVerifier reads a verifier key, naming what is wrong with a
// malformed one.
func ParseVerifier(vkey string) (note.Verifier, error) {
	if strings.HasPrefix(vkey, "PRIVATE+KEY+") {
		return nil, errs.E(errs.Invalid, "holds a signer key, not a verifier key (<name>+<hash>+<key>)")
	}
	if err := checkKeyParts(vkey); err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, errs.E(errs.Invalid, "the key hash does not match the key: the key is damaged")
	}
	return v, nil
}

// checkKeyParts checks "<name>+<hash>+<base64 key>".
func checkKeyParts(s string) error {
	name, rest, ok := strings.Cut(s, "+")
	if !ok {
		return errs.E(errs.Invalid, "key: want <name>+<hash>+<key>, found no '+'")
	}
	if err := checkKeyName(name); err != nil {
		return err
	}
	hash16, key64, ok := strings.Cut(rest, "+")
	if !ok {
		return errs.E(errs.Invalid, "key: want <name>+<hash>+<key>, found no key after the hash")
	}
	if _, err := strconv.ParseUint(hash16, 16, 32); len(hash16) != 8 || err != nil {
		return errs.E(errs.Invalid, "key hash: %q is not 8 hex digits", hash16)
	}
	key, err := base64.StdEncoding.DecodeString(key64)
	switch {
	case err != nil:
		return errs.E(errs.Invalid, "key: not standard base64")
	case len(key) == 0:
		return errs.E(errs.Invalid, "key: empty")
	case key[0] != ed25519Alg:
		return errs.E(errs.Invalid, "key algorithm: %d, only Ed25519 (%d) is supported", key[0], ed25519Alg)
	case len(key) != 33:
		return errs.E(errs.Invalid, "key: %d bytes, want 33 (algorithm and 32-byte Ed25519 key)", len(key))
	}
	return nil
}

// LoadSigner reads the signer key in the file at path.
func LoadSigner(path string) (note.Signer, error) {
	key, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSigner(key)
	if err != nil {
		return nil, fmt.Errorf("audit signer key file %s: %w", path, err)
	}
	return s, nil
}

// LoadVerifier reads the verifier key in the file at path.
func LoadVerifier(path string) (note.Verifier, error) {
	key, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	v, err := ParseVerifier(key)
	if err != nil {
		return nil, fmt.Errorf("audit verifier key file %s: %w", path, err)
	}
	return v, nil
}

// Verifiers returns the list of verifiers of the given verifier keys.
func Verifiers(vkeys ...string) (note.Verifiers, error) {
	list := make([]note.Verifier, 0, len(vkeys))
	for i, k := range vkeys {
		v, err := ParseVerifier(strings.TrimSpace(k))
		if err != nil {
			return nil, fmt.Errorf("verifier key %d: %w", i+1, err)
		}
		list = append(list, v)
	}
	return note.VerifierList(list...), nil
}

// readKeyFile returns the one line of a key file.
func readKeyFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("audit key file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return "", fmt.Errorf("audit key file %s: %w", path, err)
	}
	if len(b) > maxKeyFile {
		return "", errs.E(errs.Invalid, "audit key file %s: longer than %d bytes: not a key file", path, maxKeyFile)
	}
	key := strings.TrimSpace(string(b))
	switch {
	case key == "":
		return "", errs.E(errs.Invalid, "audit key file %s: empty", path)
	case strings.ContainsAny(key, "\r\n"):
		return "", errs.E(errs.Invalid, "audit key file %s: more than one line; it must hold one key", path)
	}
	return key, nil
}
