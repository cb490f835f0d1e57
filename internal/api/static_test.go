package api_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

// csp is the Content-Security-Policy every response carries.
const csp = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

func TestStaticFrontEnd(t *testing.T) {
	web := fstest.MapFS{
		"index.html":           {Data: []byte(`<!doctype html><script type="module" src="/assets/app.js"></script>`)},
		"assets/app.js":        {Data: []byte(`console.log("raqib")`)},
		"assets/app.css":       {Data: []byte(`body{margin:0}`)},
		"assets/glyphs/0.pbf":  {Data: []byte{0x0a, 0x00}},
		"assets/marker.svg":    {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"assets/sub/index.css": {Data: []byte(`p{}`)},
	}
	f := newFixtureWith(t, options{web: web})
	cases := []struct {
		path, ctype, cache string
		status             int
	}{
		{"/", "text/html; charset=utf-8", "no-cache", 200},
		{"/index.html", "text/html; charset=utf-8", "no-cache", 200},
		{"/assets/app.js", "text/javascript; charset=utf-8", "no-cache", 200},
		{"/assets/app.css", "text/css; charset=utf-8", "no-cache", 200},
		{"/assets/glyphs/0.pbf", "application/x-protobuf", "no-cache", 200},
		{"/assets/marker.svg", "image/svg+xml", "no-cache", 200},
		{"/nonexistent.js", "", "", 404},
		{"/assets/", "", "", 404},
		{"/assets/../../etc/passwd", "", "", 404},
		{"/tracks", "", "", 404}, // no client-side routes
	}
	for _, tc := range cases {
		resp := f.request(t, cred{}, "GET", tc.path, "")
		body := readAll(t, resp)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d %s, want %d", tc.path, resp.StatusCode, body, tc.status)
			continue
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != csp {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, got)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", tc.path)
		}
		if tc.status != 200 {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if got := resp.Header.Get("Cache-Control"); got != tc.cache {
			t.Errorf("GET %s: Cache-Control %q, want %q", tc.path, got, tc.cache)
		}
	}

	// The page itself: the index's bytes.
	resp := f.request(t, cred{}, "GET", "/", "")
	body := readAll(t, resp)
	if !strings.Contains(string(body), "/assets/app.js") {
		t.Errorf("GET / gave %q, not index.html", body)
	}
	// Revalidation by ETag.
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("GET /: no ETag")
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET / with its ETag: %d, want 304", resp.StatusCode)
	}

	// Only GET and HEAD.
	resp = f.request(t, cred{}, "POST", "/index.html", "x")
	readAll(t, resp)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /index.html: %d Allow %q, want 405 with GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
	}

	// The API is not shadowed: an unknown API path is still the API's
	// JSON 401 without credentials and 404 with them.
	resp = f.request(t, cred{}, "GET", "/api/v1/unknown", "")
	body = readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"code":"unauthorized"`) {
		t.Errorf("anonymous GET /api/v1/unknown: %d %s, want the API's 401", resp.StatusCode, body)
	}
	code, _, body := f.do(t, "GET", "/api/v1/unknown", "")
	if code != http.StatusNotFound || !strings.Contains(string(body), `"code":"not_found"`) {
		t.Errorf("GET /api/v1/unknown: %d %s, want the API's 404", code, body)
	}
	if code, _, body := f.do(t, "GET", "/healthz", ""); code != 200 {
		t.Errorf("GET /healthz: %d %s", code, body)
	}
}

// TestStaticWithoutFrontEnd: a server built without the front end answers
// 404 at / and serves its API as before.
func TestStaticWithoutFrontEnd(t *testing.T) {
	f := newFixture(t)
	resp := f.request(t, cred{}, "GET", "/", "")
	readAll(t, resp)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET / without a front end: %d, want 404", resp.StatusCode)
	}
}
