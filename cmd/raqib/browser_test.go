package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/auth"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browserUser and browserPassword sign in through the page: a supervisor
// of every sector, so every alert is the account's to acknowledge.
const (
	browserUser     = "watch-officer"
	browserPassword = "correct horse border battery"
)

// addBrowserUser adds the account the browser signs in with, its one-time
// password already changed, to the data directory before the server
// starts.
func addBrowserUser(t *testing.T, dataDir string) {
	t.Helper()
	ctx := context.Background()
	a, err := openAccounts(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	cli := cliContext(ctx)
	const temp = "one-time password for the watch"
	if _, err := a.auth.Accounts.AddUser(cli, auth.NewUser{Name: browserUser, DisplayName: "Watch officer", Force: auth.ForceJOC, Password: temp}); err != nil {
		t.Fatal(err)
	}
	priv := auth.Privileges{Roles: []auth.Role{auth.RoleSupervisor}, Sectors: auth.AllSectors()}
	if err := a.auth.Accounts.GrantAsSystem(cli, browserUser, priv); err != nil {
		t.Fatal(err)
	}
	const from = "127.0.0.1:0"
	u, err := a.auth.Accounts.Authenticate(ctx, browserUser, temp, from)
	if err != nil {
		t.Fatal(err)
	}
	cookie, _, err := a.auth.Sessions.Create(ctx, u, from)
	if err != nil {
		t.Fatal(err)
	}
	p, sess, err := a.auth.Sessions.Authenticate(ctx, cookie)
	if err != nil {
		t.Fatal(err)
	}
	self := auth.WithPrincipal(ctx, p)
	if err := a.auth.Accounts.ChangePassword(self, temp, browserPassword); err != nil {
		t.Fatal(err)
	}
	if err := a.auth.Sessions.Revoke(self, sess.ID); err != nil {
		t.Fatal(err)
	}
}

// pageWatch collects what the page did wrong: console errors, uncaught
// exceptions and requests to another origin.
type pageWatch struct {
	origin string
	mu     sync.Mutex
	errors []string
	remote []string
}

func (w *pageWatch) event(ev any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		var parts []string
		for _, a := range e.Args {
			switch {
			case len(a.Value) > 0:
				parts = append(parts, string(a.Value))
			default:
				parts = append(parts, a.Description)
			}
		}
		w.errors = append(w.errors, "console.error: "+strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		w.errors = append(w.errors, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, msg))
	case *network.EventRequestWillBeSent:
		u := e.Request.URL
		if !strings.HasPrefix(u, w.origin+"/") && u != w.origin && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			w.remote = append(w.remote, u)
		}
	}
}

func (w *pageWatch) report() (errs, remote []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.errors...), append([]string(nil), w.remote...)
}

// browser drives one page of the front end and saves its screenshots.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
}

// shot saves a screenshot of the page as name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.artifacts, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// fail saves a screenshot of the page as it is and fails the test.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	b.shot("failure")
	b.t.Fatalf(format, args...)
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](b *browser, expr string) (T, error) {
	return chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
}

// waitJS polls a JavaScript expression until it is true; what names what
// was missing when it never is.
func (b *browser) waitJS(what, expr string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := eval[bool](b, "!!("+expr+")")
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			if last != nil {
				b.fail("%s after %s (last error: %v)", what, timeout, last)
			}
			b.fail("%s after %s", what, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// intAttr reads an integer attribute of the first element a selector
// finds, -1 when there is none.
func (b *browser) intAttr(sel, attr string) int {
	b.t.Helper()
	s, err := eval[string](b, fmt.Sprintf(`(document.querySelector(%q)?.getAttribute(%q)) ?? ""`, sel, attr))
	if err != nil || s == "" {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// click clicks the first element a selector finds, trying again while
// the page redraws it (a live list replaces its nodes as the feed
// updates it).
func (b *browser) click(sel string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			b.fail("click %s: %v", sel, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// choose sets a form control's value and sends the events a person's
// choice sends.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	ok, err := eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, sel, value))
	if err != nil || !ok {
		b.fail("no %s to set to %q (%v)", sel, value, err)
	}
}

// TestBrowser signs in to the front end in headless Chromium against the
// real server fed by the simulator, and checks the map, the track list,
// the alert queue, acknowledging, Arabic, replay, the console and that
// nothing is loaded from another origin.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("the browser test needs Chromium at %s (apt-get install chromium fonts-noto-core fonts-hosny-amiri); CI installs it", chromiumPath)
		}
		t.Fatalf("CI is set and %s is missing: %v", chromiumPath, err)
	}
	artifacts := os.Getenv("RAQIB_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(t.TempDir(), "browser-artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("browser screenshots in %s", artifacts)

	dataDir := t.TempDir()
	addBrowserUser(t, dataDir)
	bin := raqibBinary(t) // built before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	c := startChild(t, dataDir)
	defer c.kill()
	origin := c.url
	addr := strings.TrimPrefix(origin, "http://")

	// The simulator: ten minutes of infiltration in Anbar, played six
	// times faster than real time so that it ends now, at the quiet
	// intensity (the scenario's own actors and patrols are all there).
	simCtx, stopSim := context.WithCancel(ctx)
	simDone := make(chan error, 1)
	simStart := time.Now()
	go func() {
		cmd := exec.CommandContext(simCtx, bin, "sim", "--scenario", "infiltration-anbar", "--intensity", "quiet",
			"--duration", "12m", "--speed", "6", "--addr", addr,
			"--seq-base", strconv.FormatInt(simStart.Unix()*1_000_000, 10))
		cmd.Env = append(os.Environ(), "RAQIB_TOKEN="+tokenFor(origin))
		out, err := cmd.CombinedOutput()
		if err != nil && simCtx.Err() == nil {
			err = fmt.Errorf("%v: %s", err, out)
		} else {
			err = nil
		}
		simDone <- err
	}()
	defer func() {
		stopSim()
		if err := <-simDone; err != nil {
			t.Errorf("simulator: %v", err)
		}
	}()

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1600, 1000),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	b := &browser{t: t, ctx: bctx, artifacts: artifacts}
	watch := &pageWatch{origin: origin}
	if err := chromedp.Listen(bctx, watch.event); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}

	// Sign in through the form.
	if err := chromedp.Do(bctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatalf("open %s: %v", origin, err)
	}
	b.waitJS("no sign-in form #signin", `document.querySelector("#signin input[name=username]") && document.querySelector("#signin input[name=password]")`, 30*time.Second)
	b.choose("#lang", "en")
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.CSS(`#signin input[name=username]`), browserUser),
		chromedp.SendKeys(chromedp.CSS(`#signin input[name=password]`), browserPassword),
		chromedp.Click(chromedp.CSS(`#signin button[type=submit]`)),
	); err != nil {
		b.fail("sign in through #signin: %v", err)
	}
	b.waitJS("no #app after signing in (#signin-error: "+b.text("#signin-error")+")", `(() => { const a = document.querySelector("#app"); return a && a.offsetParent !== null })()`, 30*time.Second)

	// The map: its style and the border, then tracks.
	b.waitJS(`no #map[data-ready="1"]`, `document.querySelector('#map[data-ready="1"]')`, 60*time.Second)
	b.waitJS("no border rendered (#map[data-border-rendered] > 0)", `Number(document.querySelector("#map")?.dataset.borderRendered) > 0`, 30*time.Second)
	b.waitJS("no track with a symbol: li[data-track-id] img.symbol[data-sidc]", `document.querySelector("li[data-track-id] img.symbol[data-sidc]")`, 90*time.Second)
	b.waitJS("no track rendered on the map (#map[data-tracks-rendered] > 0)", `Number(document.querySelector("#map")?.dataset.tracksRendered) > 0`, 30*time.Second)
	sidc, _ := eval[string](b, `document.querySelector("li[data-track-id] img.symbol[data-sidc]").dataset.sidc`)
	t.Logf("tracks listed; first symbol %s; map renders %d border features and %d tracks", sidc,
		b.intAttr("#map", "data-border-rendered"), b.intAttr("#map", "data-tracks-rendered"))
	b.shot("1-signed-in")

	// An alert: acknowledge it from the queue.
	b.waitJS("no new alert in #alert-queue (li[data-alert-id][data-state=new])", `document.querySelector('#alert-queue li[data-alert-id][data-state="new"]')`, 120*time.Second)
	id, err := eval[string](b, `document.querySelector('#alert-queue li[data-alert-id][data-state="new"]').dataset.alertId`)
	if err != nil || id == "" {
		b.fail("alert id of the first new alert: %q %v", id, err)
	}
	b.click(fmt.Sprintf(`#alert-queue li[data-alert-id="%s"] button[data-action="acknowledge"]`, id), 15*time.Second)
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := get(t, origin+"/api/v1/alerts/"+id)
		var got struct {
			Alert struct {
				State string `json:"state"`
				AckBy string `json:"ack_by"`
			} `json:"alert"`
		}
		_ = json.Unmarshal(body, &got)
		if code == 200 && got.Alert.State == "acknowledged" {
			if got.Alert.AckBy != browserUser {
				t.Errorf("alert %s acknowledged by %q, want %s", id, got.Alert.AckBy, browserUser)
			}
			break
		}
		if time.Now().After(deadline) {
			b.fail("alert %s not acknowledged 15s after the click: %d %s", id, code, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
	b.waitJS("the queue does not show alert "+id+" acknowledged",
		fmt.Sprintf(`(() => { const li = document.querySelector('#alert-queue li[data-alert-id="%s"]'); return !li || li.dataset.state !== "new" })()`, id), 30*time.Second)
	b.shot("2-acknowledged")

	// Arabic: right to left.
	b.choose("#lang", "ar")
	b.waitJS(`<html dir> not "rtl" after choosing Arabic in #lang`, `document.documentElement.dir === "rtl" && document.documentElement.lang === "ar"`, 10*time.Second)
	b.shot("3-arabic")
	b.choose("#lang", "en")
	b.waitJS(`<html dir> not "ltr" after choosing English in #lang`, `document.documentElement.dir === "ltr"`, 10*time.Second)

	// Replay: a minute back, once the log holds more than a minute.
	if wait := 75*time.Second - time.Since(simStart); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			b.fail("out of time before the replay: %v", ctx.Err())
		}
	}
	b.choose("#replay-slider", "1")
	b.waitJS(`#time-state does not start with "REPLAY" after moving #replay-slider to 1 (it says "`+b.text("#time-state")+`")`,
		`(document.querySelector("#time-state")?.textContent ?? "").trim().startsWith("REPLAY")`, 60*time.Second)
	b.waitJS("no track listed in replay (li[data-track-id])", `document.querySelector("li[data-track-id] img.symbol[data-sidc]")`, 60*time.Second)
	state := b.text("#time-state")
	n, _ := eval[int](b, `document.querySelectorAll("li[data-track-id]").length`)
	t.Logf("replay: %q with %d tracks listed", state, n)
	b.shot("4-replay")

	errs, remote := watch.report()
	for _, e := range errs {
		t.Errorf("browser console: %s", e)
	}
	for _, u := range remote {
		t.Errorf("request to another origin: %s", u)
	}
}

// text is the trimmed text of the first element a selector finds, or "".
func (b *browser) text(sel string) string {
	s, _ := eval[string](b, fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? "").trim()`, sel))
	return s
}
