package auth

import (
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"raqib/internal/errs"
)

// Params are the argon2id parameters of a password hash. They are written
// into every stored hash, so raising them later leaves old hashes
// readable; a hash made with other parameters than the configured ones is
// replaced at the user's next sign-in.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns the parameters of new hashes: 64 MiB, 3 passes,
// 2 lanes, 16 bytes of salt, a 32-byte key; about 64 ms per hash on a
// 2-core Xeon server (docs/security.md).
func DefaultParams() Params {
	return Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// Limits on what a hash string may ask for, checked before any hash is
// computed: a stored hash cannot make a sign-in allocate or spin without
// bound.
const (
	MaxHashMemory  = 256 * 1024 // KiB
	MaxHashTime    = 16
	MaxHashThreads = 16
	MinSaltLen     = 8
	MaxSaltLen     = 64
	MinKeyLen      = 16
	MaxKeyLen      = 64
	// MaxHashLen bounds the encoded hash string.
	MaxHashLen = 256
)

// Password policy.
const (
	MinPasswordLen = 12   // characters
	MaxPasswordLen = 1024 // bytes
)

const hashVersion = argon2.Version // 0x13 = 19

// Validate checks the parameters against the limits.
func (p Params) Validate() error {
	switch {
	case p.Threads < 1 || p.Threads > MaxHashThreads:
		return errs.E(errs.Invalid, "p: %d threads, want 1 to %d", p.Threads, MaxHashThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > MaxHashMemory:
		return errs.E(errs.Invalid, "m: %d KiB, want %d to %d", p.Memory, 8*uint32(p.Threads), MaxHashMemory)
	case p.Time < 1 || p.Time > MaxHashTime:
		return errs.E(errs.Invalid, "t: %d passes, want 1 to %d", p.Time, MaxHashTime)
	case p.SaltLen < MinSaltLen || p.SaltLen > MaxSaltLen:
		return errs.E(errs.Invalid, "salt: %d bytes, want %d to %d", p.SaltLen, MinSaltLen, MaxSaltLen)
	case p.KeyLen < MinKeyLen || p.KeyLen > MaxKeyLen:
		return errs.E(errs.Invalid, "hash: %d bytes, want %d to %d", p.KeyLen, MinKeyLen, MaxKeyLen)
	}
	return nil
}

// Hash is a decoded password hash.
type Hash struct {
	Params
	Salt []byte
	Key  []byte
}

var b64 = base64.RawStdEncoding.Strict()

// String encodes the hash as
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<threads>$<salt>$<key>, salt and
// key in unpadded standard base64 (the PHC string format).
func (h Hash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		hashVersion, h.Memory, h.Time, h.Threads, b64.EncodeToString(h.Salt), b64.EncodeToString(h.Key))
}

// DecodeHash parses a hash string, refusing anything malformed or outside
// the limits with an error naming the part at fault. It computes nothing.
func DecodeHash(s string) (Hash, error) {
	if len(s) > MaxHashLen {
		return Hash{}, hashErr("%d bytes, at most %d", len(s), MaxHashLen)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return Hash{}, hashErr("want $argon2id$v=19$m=<KiB>,t=<passes>,p=<threads>$<salt>$<hash>")
	}
	if parts[1] != "argon2id" {
		return Hash{}, hashErr("algorithm %.20q, want argon2id", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(hashVersion) {
		return Hash{}, hashErr("version %.20q, want v=%d", parts[2], hashVersion)
	}
	var h Hash
	rest := parts[3]
	for i, name := range []string{"m", "t", "p"} {
		field := rest
		if i < 2 {
			var ok bool
			field, rest, ok = strings.Cut(rest, ",")
			if !ok {
				return Hash{}, hashErr("parameters %.40q, want m=<KiB>,t=<passes>,p=<threads>", parts[3])
			}
		}
		v, ok := strings.CutPrefix(field, name+"=")
		if !ok {
			return Hash{}, hashErr("parameter %d is %.20q, want %s=<number>", i+1, field, name)
		}
		n, err := parseDecimal(v)
		if err != nil {
			return Hash{}, hashErr("%s: %v", name, err)
		}
		switch name {
		case "m":
			if n > MaxHashMemory {
				return Hash{}, hashErr("m: %d KiB, at most %d", n, MaxHashMemory)
			}
			h.Memory = uint32(n)
		case "t":
			if n < 1 || n > MaxHashTime {
				return Hash{}, hashErr("t: %d passes, want 1 to %d", n, MaxHashTime)
			}
			h.Time = uint32(n)
		case "p":
			if n < 1 || n > MaxHashThreads {
				return Hash{}, hashErr("p: %d threads, want 1 to %d", n, MaxHashThreads)
			}
			h.Threads = uint8(n)
		}
	}
	if h.Memory < 8*uint32(h.Threads) {
		return Hash{}, hashErr("m: %d KiB, at least 8 per thread (%d)", h.Memory, 8*uint32(h.Threads))
	}
	var err error
	if h.Salt, err = decodeB64("salt", parts[4], MinSaltLen, MaxSaltLen); err != nil {
		return Hash{}, err
	}
	if h.Key, err = decodeB64("hash", parts[5], MinKeyLen, MaxKeyLen); err != nil {
		return Hash{}, err
	}
	h.SaltLen, h.KeyLen = uint32(len(h.Salt)), uint32(len(h.Key))
	return h, nil
}

func hashErr(format string, args ...any) error {
	return errs.E(errs.Invalid, "password hash: "+format, args...)
}

// parseDecimal reads an unsigned decimal of at most 9 digits without a
// sign or leading zeros.
func parseDecimal(s string) (uint64, error) {
	switch {
	case s == "":
		return 0, fmt.Errorf("empty")
	case len(s) > 9:
		return 0, fmt.Errorf("%d digits, at most 9", len(s))
	case len(s) > 1 && s[0] == '0':
		return 0, fmt.Errorf("leading zero")
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%.12q is not a decimal number", s)
		}
		n = n*10 + uint64(c-'0')
	}
	return n, nil
}

func decodeB64(part, s string, minLen, maxLen int) ([]byte, error) {
	if n := b64.DecodedLen(len(s)); n < minLen || n > maxLen {
		return nil, hashErr("%s: %d bytes, want %d to %d", part, n, minLen, maxLen)
	}
	// The decoder skips line breaks; a hash string has none.
	b, err := b64.DecodeString(s)
	if err != nil || strings.ContainsAny(s, "\r\n") {
		return nil, hashErr("%s: not unpadded base64", part)
	}
	if len(b) < minLen {
		return nil, hashErr("%s: %d bytes, want %d to %d", part, len(b), minLen, maxLen)
	}
	return b, nil
}

// HashPassword hashes a password with fresh salt from rand.
func HashPassword(password string, p Params, rand io.Reader) (string, error) {
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("hash password: salt: %w", err)
	}
	h := Hash{Params: p, Salt: salt}
	h.Key = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return h.String(), nil
}

// VerifyPassword reports whether password matches the encoded hash,
// comparing in constant time. It returns the decoded hash so the caller
// can tell whether its parameters are current.
func VerifyPassword(encoded, password string) (bool, Hash, error) {
	h, err := DecodeHash(encoded)
	if err != nil {
		return false, Hash{}, err
	}
	key := argon2.IDKey([]byte(password), h.Salt, h.Time, h.Memory, h.Threads, uint32(len(h.Key)))
	return subtle.ConstantTimeCompare(key, h.Key) == 1, h, nil
}

// CheckPassword applies the password policy: valid UTF-8, at least 12
// characters, at most 1024 bytes, not containing the user name.
func CheckPassword(name, password string) error {
	if len(password) > MaxPasswordLen {
		return errs.E(errs.Invalid, "password: %d bytes, at most %d", len(password), MaxPasswordLen)
	}
	if !utf8.ValidString(password) {
		return errs.E(errs.Invalid, "password: not valid UTF-8")
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordLen {
		return errs.E(errs.Invalid, "password: %d characters, at least %d", n, MinPasswordLen)
	}
	if name != "" && strings.Contains(strings.ToLower(password), strings.ToLower(name)) {
		return errs.E(errs.Invalid, "password: must not contain the user name")
	}
	return nil
}

var otpEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// oneTimePassword returns 24 random characters of a-z and 2-7 (120 bits).
func oneTimePassword(rand io.Reader) (string, error) {
	b := make([]byte, 15)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("one-time password: %w", err)
	}
	return otpEncoding.EncodeToString(b), nil
}
