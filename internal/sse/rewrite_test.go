package sse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// rewrite runs in through Body and returns the output and the final error.
func rewrite(t *testing.T, in string) (string, error) {
	t.Helper()
	body := NewBody(context.Background(), io.NopCloser(strings.NewReader(in)))
	var out bytes.Buffer
	buf := make([]byte, 7) // small reads exercise the pending-output path
	for {
		n, err := body.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			return out.String(), err
		}
	}
}

func TestSSEBodyRewrites(t *testing.T) {
	cases := []struct {
		name, in, want string
		err            error // nil means io.EOF
	}{
		{"comments and blank lines dropped",
			": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n\n\ndata: {\"a\":1}\n\ndata: [DONE]\n\n",
			"data: {\"a\":1}\n\ndata: [DONE]\n\n", nil},
		{"CRLF, CR and data: without a space",
			"data:{\"a\":1}\r\n\r\ndata:{\"b\":2}\r\rdata:[DONE]\r\n\r\n",
			"data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n", nil},
		{"id, retry and event fields dropped",
			"id: 7\nretry: 100\nevent: message\ndata: {\"a\":1}\n\ndata: [DONE]\n\n",
			"data: {\"a\":1}\n\ndata: [DONE]\n\n", nil},
		{"multi-line data joined",
			"data: {\"a\":\ndata: 1}\n\ndata: [DONE]\n\n",
			"data: {\"a\": 1}\n\ndata: [DONE]\n\n", nil},
		{"OpenRouter error chunk rewritten",
			"data: {\"id\":\"x\",\"error\":{\"code\":\"server_error\",\"message\":\"Provider disconnected\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n",
			"data: {\"error\":{\"code\":\"server_error\",\"message\":\"Provider disconnected\"}}\n\n", ErrEndedEarly},
		{"string error made an object",
			"data: {\"error\":\"overloaded\"}\n\n",
			"data: {\"error\":{\"message\":\"overloaded\"}}\n\n", ErrEndedEarly},
		{"error without a message gets one",
			"data: {\"error\":{\"type\":\"overloaded_error\"}}\n\n",
			"data: {\"error\":{\"message\":\"the provider reported an error (overloaded_error)\",\"type\":\"overloaded_error\"}}\n\n", ErrEndedEarly},
		{"SSE error event",
			"event: error\ndata: {\"message\":\"overloaded\"}\n\n",
			"data: {\"error\":{\"message\":\"overloaded\"}}\n\n", ErrEndedEarly},
		{"null error is no error",
			"data: {\"error\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n",
			"data: {\"error\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n", nil},
		{"escaped \"error\" in text is text",
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"say \\\"error\\\"\"}}]}\n\ndata: [DONE]\n\n",
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"say \\\"error\\\"\"}}]}\n\ndata: [DONE]\n\n", nil},
		{"no [DONE] and no finish: ended early",
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n",
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n", ErrEndedEarly},
		{"finish but no [DONE]: complete",
			"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\": \"stop\"}]}",
			"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\": \"stop\"}]}\n\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := rewrite(t, c.in)
			if got != c.want {
				t.Errorf("output\n got %q\nwant %q", got, c.want)
			}
			want := c.err
			if want == nil {
				want = io.EOF
			}
			if !errors.Is(err, want) {
				t.Errorf("error = %v, want %v", err, want)
			}
		})
	}
}

// The rewriting streams: an event comes out as soon as it is complete,
// before the server sends anything more.
func TestSSEBodyStreams(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	body := NewBody(context.Background(), pr)
	go io.WriteString(pw, ": keep-alive\n\ndata: {\"a\":1}\n")
	got := make(chan string)
	go func() {
		buf := make([]byte, 100)
		n, _ := body.Read(buf)
		got <- string(buf[:n])
	}()
	select {
	case s := <-got:
		if s != "data: {\"a\":1}\n\n" {
			t.Errorf("read %q", s)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the event was held back")
	}
}

// A cancelled request ends the body with the context's error, not as a
// connection that ended early.
func TestSSEBodyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	body := NewBody(ctx, pr)
	cancel()
	pw.CloseWithError(errors.New("read on closed body"))
	if _, err := io.ReadAll(body); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

// Memory stays bounded: a line longer than maxSSELine stops the stream.
func TestSSEBodyLineLimit(t *testing.T) {
	in := "data: {\"a\":\"" + strings.Repeat("x", maxSSELine+10) + "\"}\n\n"
	_, err := rewrite(t, in)
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("error = %v", err)
	}
}
