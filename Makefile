# Raqib: `make demo` runs the demonstration, `make test` runs every check.
GO        ?= go
BIN       := bin/raqib
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
PKGS      := ./...
BENCHTIME ?= 1s
COUNT     ?= 1
FUZZTIME  ?= 30s

.PHONY: all build demo serve test lint fmt-check vet staticcheck unit check-generated check-web generate bench fuzz clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/raqib

## demo: build and run the server with the embedded Iraq–Syria theater.
demo: build
	./$(BIN) demo

serve: build
	./$(BIN) serve

## test: formatting, vet, staticcheck, the front end's checks, the
## race-enabled tests (the browser test among them), and the check that
## generated files are current.
test: lint check-web unit check-generated

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) tool staticcheck $(PKGS)

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

## check-generated: regenerating the border and the generated theater files
## gives the committed bytes.
check-generated: web/node_modules/.package-lock.json
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) run ./cmd/raqib theater import --out $$tmp/border.geojson && \
	cmp internal/theater/data/iraq-syria/border.geojson $$tmp/border.geojson && \
	echo "border.geojson is current"
	$(GO) generate ./internal/theater/...
	@git diff --exit-code --stat -- internal/theater/data || \
	  { echo "generated theater files differ from the committed ones: run 'go generate ./internal/theater/...' and commit"; exit 1; }

## check-web: the front end's type check and tests, and the check that a
## build from a clean state gives the committed web/dist, which the binary
## embeds.
check-web: web/node_modules/.package-lock.json
	cd web && npm run typecheck && npm test
	rm -rf web/dist
	cd web && npm run build
	@git diff --exit-code --stat -- web/dist || \
	  { echo "web/dist differs from a fresh build: run 'cd web && npm run build' and commit"; exit 1; }
	@extra=$$(git status --porcelain --untracked-files=all -- web/dist); \
	if [ -n "$$extra" ]; then echo "web/dist differs from a fresh build (run 'cd web && npm run build' and commit):"; echo "$$extra"; exit 1; fi

## generate: rebuild the border from Natural Earth and the generated theater files.
generate: web/node_modules/.package-lock.json
	$(GO) run ./cmd/raqib theater import
	$(GO) generate ./internal/theater/...

## bench: the benchmarks, COUNT times each (COUNT=10 for benchstat).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT) $(PKGS)

## fuzz: every fuzz target for FUZZTIME.
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
