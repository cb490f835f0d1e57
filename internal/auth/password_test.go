package auth_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

func TestHashPassword(t *testing.T) {
	enc, err := auth.HashPassword(alicePW, cheap, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", enc)
	}
	h, err := auth.DecodeHash(enc)
	if err != nil || h.Params != cheap || h.String() != enc {
		t.Fatalf("decode %q: %+v %v", enc, h, err)
	}
	for _, tc := range []struct {
		pw string
		ok bool
	}{{alicePW, true}, {alicePW + " ", false}, {"", false}, {strings.ToUpper(alicePW), false}} {
		ok, _, err := auth.VerifyPassword(enc, tc.pw)
		if err != nil || ok != tc.ok {
			t.Errorf("verify %q: %v %v, want %v", tc.pw, ok, err, tc.ok)
		}
	}
	again, _ := auth.HashPassword(alicePW, cheap, rand.Reader)
	if again == enc {
		t.Fatal("two hashes of a password share their salt")
	}
	if _, err := auth.HashPassword(alicePW, auth.Params{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}, rand.Reader); err == nil {
		t.Fatal("hashed with t=0")
	}
}

// TestKnownHash checks the encoding against a test vector of the argon2
// reference implementation: argon2id of "password" with salt "somesalt",
// t=3, m=256 KiB, p=2, a 24-byte key 4668d30a...cc16ef0b.
func TestKnownHash(t *testing.T) {
	const enc = "$argon2id$v=19$m=256,t=3,p=2$c29tZXNhbHQ$RmjTCsQYfmh47t6s8P2DxaCjDbLMFu8L"
	ok, h, err := auth.VerifyPassword(enc, "password")
	if err != nil || !ok {
		t.Fatalf("reference hash: %v %v", ok, err)
	}
	if h.Memory != 256 || h.Time != 3 || h.Threads != 2 || string(h.Salt) != "somesalt" || len(h.Key) != 24 || h.String() != enc {
		t.Fatalf("decoded %+v", h)
	}
}

func TestDecodeHashRefusals(t *testing.T) {
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	ok := "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + key
	if _, err := auth.DecodeHash(ok); err != nil {
		t.Fatalf("base case: %v", err)
	}
	cases := []struct {
		name, in, part string
	}{
		{"empty", "", "want $argon2id"},
		{"too long", ok + strings.Repeat("A", 300), "bytes, at most"},
		{"no leading $", strings.TrimPrefix(ok, "$"), "want $argon2id"},
		{"argon2i", strings.Replace(ok, "argon2id", "argon2i", 1), "algorithm"},
		{"bcrypt", "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "want $argon2id"},
		{"version 16", strings.Replace(ok, "v=19", "v=16", 1), "version"},
		{"params order", strings.Replace(ok, "m=65536,t=3,p=2", "t=3,m=65536,p=2", 1), "want m=<number>"},
		{"params missing", strings.Replace(ok, "m=65536,t=3,p=2", "m=65536,t=3", 1), "parameters"},
		{"params extra", strings.Replace(ok, "p=2", "p=2,k=1", 1), "p: "},
		{"memory too big", strings.Replace(ok, "m=65536", "m=4194304", 1), "m: 4194304 KiB"},
		{"memory digits", strings.Replace(ok, "m=65536", "m=1000000000000", 1), "m: 13 digits"},
		{"memory per thread", strings.Replace(ok, "m=65536", "m=8", 1), "m: 8 KiB, at least 8 per thread"},
		{"memory sign", strings.Replace(ok, "m=65536", "m=+65536", 1), "m: "},
		{"leading zero", strings.Replace(ok, "t=3", "t=03", 1), "t: leading zero"},
		{"time zero", strings.Replace(ok, "t=3", "t=0", 1), "t: 0 passes"},
		{"time too big", strings.Replace(ok, "t=3", "t=100", 1), "t: 100 passes"},
		{"threads zero", strings.Replace(ok, "p=2", "p=0", 1), "p: 0 threads"},
		{"threads too many", strings.Replace(ok, "p=2", "p=255", 1), "p: 255 threads"},
		{"salt short", strings.Replace(ok, salt, "c2FsdA", 1), "salt: 4 bytes"},
		{"salt padded", strings.Replace(ok, salt, salt+"==", 1), "salt: "},
		{"salt bad base64", strings.Replace(ok, salt, "!!!!!!!!!!!!!!!!!!!!!!", 1), "salt: not unpadded base64"},
		{"key short", strings.Replace(ok, key, "aGFzaA", 1), "hash: 4 bytes"},
		{"key long", strings.Replace(ok, key, strings.Repeat("A", 100), 1), "hash: 75 bytes"},
		{"extra part", ok + "$x", "want $argon2id"},
		{"line break in the key", strings.Replace(ok, key, key[:10]+"\r"+key[10:42], 1), "hash: not unpadded base64"},
	}
	for _, tc := range cases {
		_, err := auth.DecodeHash(tc.in)
		if errs.CodeOf(err) != errs.Invalid || !strings.HasPrefix(errs.MessageOf(err), "password hash: ") ||
			!strings.Contains(errs.MessageOf(err), tc.part) {
			t.Errorf("%s: %v, want a refusal naming %q", tc.name, err, tc.part)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		name, user, pw string
		ok             bool
	}{
		{"long enough", "alice", "twelve chars", true},
		{"eleven", "alice", "eleven char", false},
		{"twelve runes, more bytes", "alice", "كلمة سر طويلة", true},
		{"user name", "alice", "hello alice 1234", false},
		{"user name upper case", "alice", "HELLO ALICE 1234", false},
		{"too long", "alice", strings.Repeat("x", auth.MaxPasswordLen+1), false},
		{"invalid UTF-8", "alice", "abcdefghijk\xff", false},
	}
	for _, tc := range cases {
		err := auth.CheckPassword(tc.user, tc.pw)
		if tc.ok != (err == nil) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && !strings.HasPrefix(errs.MessageOf(err), "password: ") {
			t.Errorf("%s: %v does not name the field", tc.name, err)
		}
	}
}
