package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/feed"

	"github.com/coder/websocket"
)

// feedWriteTimeout is how long one message may take to reach a feed
// client's socket before the client is taken to be gone and cut off.
const feedWriteTimeout = 30 * time.Second

// feedReadLimit bounds a message from a feed client; the server reads and
// ignores what clients send.
const feedReadLimit = 4096

// handleFeed upgrades to a WebSocket and streams the live picture: a
// snapshot first (after a resumed client's missed alerts, ?resume=<seq>),
// then track deltas, alert changes and heartbeats, all JSON text frames
// with a type and a seq. At every heartbeat the credentials are checked
// again: a feed whose session ended, whose token was revoked or whose user
// may no longer view ends with an error message and a close. Only a page
// of the same origin may open the feed (the Origin check of the WebSocket
// library).
func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	var resume uint64
	if v := r.URL.Query().Get("resume"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.writeError(w, r, errs.E(errs.Invalid, "resume: %q is not a message seq (a non-negative integer)", v))
			return
		}
		resume = n
	}
	if s.feed == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "the live feed is not running"))
		return
	}

	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		// Accept has answered: 403 for another origin, 4xx for a request
		// that is no WebSocket handshake.
		s.logger.Info("feed refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(feedReadLimit)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go discardReads(ctx, cancel, conn)
	client := s.feed.Join(resume)
	defer client.Close()
	for {
		m, err := client.Next(ctx)
		if errors.Is(err, feed.ErrClosed) {
			s.closeFeed(ctx, conn, websocket.StatusGoingAway, "the server is shutting down")
			return
		}
		if err != nil {
			return
		}
		if m.Type == feed.TypeHeartbeat {
			if err := s.recheck(r, need(auth.ActionView)); err != nil {
				s.closeFeed(ctx, conn, websocket.StatusPolicyViolation, errs.MessageOf(err))
				return
			}
		}
		wctx, wcancel := context.WithTimeout(ctx, feedWriteTimeout)
		err = conn.Write(wctx, websocket.MessageText, m.Data)
		wcancel()
		if err != nil {
			return
		}
		client.Sent(m)
	}
}

// discardReads reads and drops what the client sends, and cancels the feed
// once the connection is closed.
func discardReads(ctx context.Context, cancel context.CancelFunc, conn *websocket.Conn) {
	defer cancel()
	for {
		_, rd, err := conn.Reader(ctx)
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, rd); err != nil {
			return
		}
	}
}

// closeFeed sends the client an error message saying why, then closes.
func (s *Server) closeFeed(ctx context.Context, conn *websocket.Conn, code websocket.StatusCode, message string) {
	b, _ := json.Marshal(map[string]string{"type": "error", "message": message})
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := conn.Write(wctx, websocket.MessageText, b); err != nil {
		return
	}
	reason := message
	if len(reason) > 120 {
		reason = strings.ToValidUTF8(reason[:120], "")
	}
	_ = conn.Close(code, reason)
}
