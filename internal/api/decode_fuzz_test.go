package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"raqib/internal/errs"
)

// FuzzDecodeBody: any body, as a theater edit, a sign-in or a password
// change, either decodes or is refused with an invalid or too_large error;
// nothing panics.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"status":"open"}`, `{"status":"closed","note":"n"}`, `{"status":7}`, `{"status":"open"} x`,
		`{`, ``, `[]`, `null`, `{"status":"open","progress_pct":1e400}`, "{\"note\":\"\xff\"}",
		`{"user":"alice","password":"correct horse battery"}`, `{"user":7}`, `{"current":"a","new":"b"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/crossings/X/status", strings.NewReader(body))
		w := httptest.NewRecorder()
		var a crossingStatusRequest
		if err := decodeBody(w, r, &a); err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
				t.Fatalf("code %s for %q: %v", c, body, err)
			}
		}
		for _, v := range []any{&barrierProgressRequest{}, &loginRequest{}, &passwordRequest{}} {
			r = httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
			if err := decodeBody(w, r, v); err != nil {
				if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
					t.Fatalf("code %s for %q into %T: %v", c, body, v, err)
				}
			}
		}
	})
}
