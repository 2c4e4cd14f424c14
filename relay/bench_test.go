package relay

import (
	"bufio"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// benchRate is the pace of the benchmark's stream, tokens (events) per second.
const benchRate = 3000

// pacedUpstream streams the number of events in the X-Bench-Events header at
// benchRate, each an OpenRouter-sized chunk stamped with its send time.
func pacedUpstream(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.Header.Get("X-Bench-Events"))
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	fl.Flush()
	start := time.Now()
	for i := 0; i < n; i++ {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / benchRate)); d > 0 {
			time.Sleep(d)
		}
		fmt.Fprintf(w, `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"sent":%d,"choices":[{"index":0,"delta":{"role":"assistant","content":" tok"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}`+"\n\n", time.Now().UnixNano())
		fl.Flush()
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// eventLatencies streams n events from url and returns, for each, the time
// from the upstream's write to the client's read of its last byte.
func eventLatencies(b *testing.B, url, token string, n int) []time.Duration {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(chatBody(true, "")))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Bench-Events", strconv.Itoa(n))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	lat := make([]time.Duration, 0, n)
	rd := bufio.NewReaderSize(resp.Body, 64<<10)
	for {
		line, err := rd.ReadSlice('\n')
		if err != nil {
			break
		}
		now := time.Now().UnixNano()
		if _, rest, ok := strings.Cut(string(line), `"sent":`); ok {
			sent, _ := strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
			lat = append(lat, time.Duration(now-sent))
		}
	}
	if len(lat) != n {
		b.Fatalf("read %d events, want %d", len(lat), n)
	}
	return lat
}

// percentile returns the p-th percentile (0–100) of sorted d.
func percentile(d []time.Duration, p float64) time.Duration {
	return d[min(len(d)-1, int(float64(len(d))*p/100))]
}

// BenchmarkRelayEventLatency streams b.N events at 3000 tokens/s from a fake
// upstream, once directly and once through the relay (hub identity cached,
// limits off), and reports the latency per event of each path and the
// relay's added latency at p50 and p99, in microseconds.
//
//	go test ./relay/ -run '^$' -bench RelayEventLatency -benchtime 6000x
func BenchmarkRelayEventLatency(b *testing.B) {
	up := newUpstream(b, pacedUpstream)
	tr := startRelay(b, up, func(c *Config) {
		c.Student = classapi.Limits{}
		c.LogRequests = false
	}, Options{})
	n := max(b.N, 10)
	b.ResetTimer()
	direct := eventLatencies(b, up.srv.URL+"/api/v1/chat/completions", "", n)
	relayed := eventLatencies(b, tr.base+"/chat/completions", aliceToken, n)
	b.StopTimer()
	slices.Sort(direct)
	slices.Sort(relayed)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(percentile(direct, 50)), "direct-p50-µs")
	b.ReportMetric(us(percentile(direct, 99)), "direct-p99-µs")
	b.ReportMetric(us(percentile(relayed, 50)), "relay-p50-µs")
	b.ReportMetric(us(percentile(relayed, 99)), "relay-p99-µs")
	b.ReportMetric(us(percentile(relayed, 50)-percentile(direct, 50)), "added-p50-µs")
	b.ReportMetric(us(percentile(relayed, 99)-percentile(direct, 99)), "added-p99-µs")
	b.ReportMetric(0, "ns/op") // the time per op is the pace, not a cost
}
