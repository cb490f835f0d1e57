package api_test

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"

	"raqib/internal/api"
)

type openAPIDoc struct {
	OpenAPI string                                 `json:"openapi"`
	Paths   map[string]map[string]openAPIOperation `json:"paths"`
}

type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Access      string                     `json:"x-raqib-access"`
	Security    *[]map[string][]string     `json:"security"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

// TestOpenAPIMatchesRoutes checks the document served at
// /api/v1/openapi.json against the route table both ways: every route is
// documented with its access (x-raqib-access), public routes need no
// security and the others list 401 (and 403 where a refusal is possible);
// each documented GET without parameters answers with a documented status.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	code, _, body := f.do(t, "GET", "/api/v1/openapi.json", "")
	if code != 200 {
		t.Fatalf("openapi.json: %d", code)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi version %q, want 3.1.0", doc.OpenAPI)
	}
	documented := map[string]openAPIOperation{}
	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = op
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s %s: operationId %q missing or repeated", method, path, op.OperationID)
			}
			ids[op.OperationID] = true
		}
	}
	routed := map[string]bool{}
	for _, r := range api.Routes() {
		routed[r.Pattern()] = true
		op, ok := documented[r.Pattern()]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document", r.Pattern())
			continue
		}
		if op.Access != r.Access.String() {
			t.Errorf("%s: x-raqib-access %q, the route table says %q", r.Pattern(), op.Access, r.Access.String())
		}
		if r.Access.Public {
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s is public but its security is not []", r.Pattern())
			}
		} else {
			for _, code := range []string{"401", "403", "503"} {
				if code == "403" && r.Access.SignedIn {
					continue
				}
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s does not list %s", r.Pattern(), code)
				}
			}
		}
		if r.Method == "GET" && !strings.Contains(r.Path, "{") {
			status, _, _ := f.do(t, "GET", r.Path, "")
			if _, ok := op.Responses[strconv.Itoa(status)]; !ok {
				t.Errorf("GET %s answered %d, which the document does not list", r.Path, status)
			}
		}
	}
	var extra []string
	for k := range documented {
		if !routed[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		t.Errorf("the OpenAPI document lists %s, which no route serves", k)
	}
}
