package proxy_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/proxy"
)

// brokenStream claims at once (its first line came with the open), then
// breaks: the object was reset during the call.
type brokenStream struct{ claimed bool }

func (s *brokenStream) Send([]byte) error { return errors.New("the object was reset") }

func (s *brokenStream) Recv(context.Context) ([]byte, error) {
	if s.claimed {
		return nil, io.ErrUnexpectedEOF
	}
	s.claimed = true
	return []byte(`{"claimed":true}`), nil
}

func (s *brokenStream) Close() error { return nil }

// A keyed call whose stream to the object breaks after its claim still
// has its answer stored (or, when the call failed, its claim released) by
// a request of its own: the claim is in the object's storage.
func TestOnceStreamBroken(t *testing.T) {
	for _, tc := range []struct {
		name    string
		callErr error
		want    string // the object request made after the stream broke
	}{
		{"the call succeeded", nil, "complete"},
		{"the call failed", errors.New("LivePerson refused"), "release"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var ops []string
			var stored struct {
				Token  string `json:"token"`
				Answer struct {
					Status int    `json:"status"`
					Body   string `json:"body"`
				} `json:"answer"`
			}
			call := func(_ context.Context, object, op string, body []byte) ([]byte, error) {
				mu.Lock()
				defer mu.Unlock()
				ops = append(ops, object+" "+op)
				if op == "complete" {
					json.Unmarshal(body, &stored)
				}
				return []byte(`{}`), nil
			}
			open := func(context.Context, string, string, []byte) (proxy.ObjectStream, error) {
				return &brokenStream{}, nil
			}
			e := proxy.NewObjectEngine(call, proxy.ObjectOptions{Open: open})
			a, err := e.Once(context.Background(), proxy.IdemKey{Scope: "consumer-1", Key: "k1"}, sha256.Sum256([]byte("body")), "tok", time.Minute, time.Hour,
				func() (proxy.Answer, error) {
					return proxy.Answer{Status: 201, Body: []byte(`{"conversationId":"c"}`)}, tc.callErr
				})
			if tc.callErr == nil && (err != nil || a == nil || a.Status != 201) {
				t.Errorf("Once = %+v, %v, want the call's answer and no error", a, err)
			}
			if tc.callErr != nil && !errors.Is(err, tc.callErr) {
				t.Errorf("Once's error = %v, want the call's", err)
			}
			if want := []string{"i:consumer-1 " + tc.want}; len(ops) != 1 || ops[0] != want[0] {
				t.Errorf("object requests after the stream broke: %q, want %q", ops, want)
			}
			if tc.want == "complete" && (stored.Token != "tok" || stored.Answer.Status != 201 || stored.Answer.Body != `{"conversationId":"c"}`) {
				t.Errorf("complete stored %+v, want the call's answer under the claim's token", stored)
			}
		})
	}
}
