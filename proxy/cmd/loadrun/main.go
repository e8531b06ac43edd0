// Command loadrun sends a bounded number of HTTP requests to a loopback
// URL with fixed concurrency and prints throughput and latency: the
// proxy's load figures, natively and on workerd.
//
//	loadrun -url http://127.0.0.1:8080/healthz -n 20000 -c 16
//	loadrun -url http://127.0.0.1:8787/v1/report -body @report.json \
//	        -H 'Origin: https://shop.example' -H 'Content-Type: application/json' -n 5000 -c 8
//
// It prints one line:
//
//	requests=20000 errors=0 status=200:20000 seconds=1.234 rps=16207 p50=0.52ms p90=0.81ms p99=1.9ms max=7.1ms
//
// Only loopback addresses are accepted, and every run is bounded by -n
// (at most 1,000,000) and -timeout (at most 10 minutes). Exit status 1
// when any request failed or answered an unexpected status (-expect).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of a run: the tool is for loopback measurements, not load tests
// of anything else.
const (
	maxRequests    = 1_000_000
	maxConcurrency = 256
	maxDuration    = 10 * time.Minute
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadrun:", err)
		os.Exit(1)
	}
}

type config struct {
	url     string
	method  string
	body    []byte
	header  http.Header
	n, c    int
	warmup  int
	timeout time.Duration
	expect  int
}

func parse(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("loadrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var hs headers
	cfg := &config{}
	fs.StringVar(&cfg.url, "url", "", "target URL; its host must be a loopback address (required)")
	fs.StringVar(&cfg.method, "method", "", "HTTP method (default GET, or POST with -body)")
	body := fs.String("body", "", "request body, or @file to read it from a file")
	fs.Var(&hs, "H", "request header \"Name: value\" (repeatable)")
	fs.IntVar(&cfg.n, "n", 10000, "requests to send (at most 1000000)")
	fs.IntVar(&cfg.c, "c", 8, "concurrent requests (at most 256)")
	fs.IntVar(&cfg.warmup, "warmup", 100, "requests sent first and not counted")
	fs.DurationVar(&cfg.timeout, "timeout", time.Minute, "the whole run stops after this (at most 10m)")
	fs.IntVar(&cfg.expect, "expect", 0, "the status every answer must have (default: any 2xx)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case cfg.url == "":
		return nil, errors.New("-url is required")
	case cfg.n < 1 || cfg.n > maxRequests:
		return nil, fmt.Errorf("-n %d: want 1 to %d", cfg.n, maxRequests)
	case cfg.c < 1 || cfg.c > maxConcurrency:
		return nil, fmt.Errorf("-c %d: want 1 to %d", cfg.c, maxConcurrency)
	case cfg.warmup < 0 || cfg.warmup > maxRequests:
		return nil, fmt.Errorf("-warmup %d: want 0 to %d", cfg.warmup, maxRequests)
	case cfg.timeout <= 0 || cfg.timeout > maxDuration:
		return nil, fmt.Errorf("-timeout %v: want up to %v", cfg.timeout, maxDuration)
	}
	if err := checkLoopback(cfg.url); err != nil {
		return nil, err
	}
	if strings.HasPrefix(*body, "@") {
		b, err := os.ReadFile((*body)[1:])
		if err != nil {
			return nil, err
		}
		cfg.body = b
	} else if *body != "" {
		cfg.body = []byte(*body)
	}
	if cfg.method == "" {
		cfg.method = http.MethodGet
		if cfg.body != nil {
			cfg.method = http.MethodPost
		}
	}
	cfg.header = http.Header{}
	for _, h := range hs {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("-H %q: want \"Name: value\"", h)
		}
		cfg.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return cfg, nil
}

// checkLoopback refuses URLs whose host is not a loopback address.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-url %q: want http(s)://127.0.0.1:PORT/...", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-url %q: only loopback addresses (127.0.0.0/8, ::1, localhost) may be targeted", raw)
	}
	return nil
}

// result is one run's figures.
type result struct {
	requests, errors int
	status           map[int]int
	elapsed          time.Duration
	latencies        []time.Duration // sorted
	firstErr         error
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parse(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	client := &http.Client{
		Transport: &http.Transport{MaxIdleConns: cfg.c, MaxIdleConnsPerHost: cfg.c, IdleConnTimeout: time.Minute},
		Timeout:   30 * time.Second,
	}
	defer client.CloseIdleConnections()
	if cfg.warmup > 0 {
		load(ctx, client, cfg, cfg.warmup)
	}
	res := load(ctx, client, cfg, cfg.n)
	fmt.Fprintln(stdout, res.line())
	switch {
	case res.firstErr != nil:
		return fmt.Errorf("%d of %d requests failed; first: %w", res.errors, cfg.n, res.firstErr)
	case res.requests < cfg.n:
		return fmt.Errorf("the run hit -timeout %v after %d of %d requests", cfg.timeout, res.requests, cfg.n)
	}
	return nil
}

// load sends n requests with cfg.c workers.
func load(ctx context.Context, client *http.Client, cfg *config, n int) *result {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var mu sync.Mutex
	res := &result{status: map[int]int{}}
	var wg sync.WaitGroup
	start := time.Now()
	for range min(cfg.c, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				status, err := once(ctx, client, cfg)
				lat[i] = time.Since(t0)
				if err == nil && (cfg.expect != 0 && status != cfg.expect || cfg.expect == 0 && (status < 200 || status > 299)) {
					err = fmt.Errorf("status %d", status)
				}
				mu.Lock()
				res.requests++
				if status != 0 {
					res.status[status]++
				}
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	// Stopped by the timeout, some slots were never used.
	res.latencies = slices.DeleteFunc(lat, func(d time.Duration) bool { return d == 0 })
	sort.Slice(res.latencies, func(i, j int) bool { return res.latencies[i] < res.latencies[j] })
	return res
}

func once(ctx context.Context, client *http.Client, cfg *config) (int, error) {
	var body io.Reader
	if cfg.body != nil {
		body = bytes.NewReader(cfg.body)
	}
	req, err := http.NewRequestWithContext(ctx, cfg.method, cfg.url, body)
	if err != nil {
		return 0, err
	}
	for k, v := range cfg.header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(p*float64(len(r.latencies))+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

func (r *result) line() string {
	codes := make([]int, 0, len(r.status))
	for c := range r.status {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var st []string
	for _, c := range codes {
		st = append(st, strconv.Itoa(c)+":"+strconv.Itoa(r.status[c]))
	}
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'g', 3, 64) + "ms" }
	rps := 0.0
	if r.elapsed > 0 {
		rps = float64(r.requests) / r.elapsed.Seconds()
	}
	return fmt.Sprintf("requests=%d errors=%d status=%s seconds=%.3f rps=%.0f p50=%s p90=%s p99=%s max=%s",
		r.requests, r.errors, strings.Join(st, ","), r.elapsed.Seconds(), rps,
		ms(r.percentile(0.50)), ms(r.percentile(0.90)), ms(r.percentile(0.99)), ms(r.percentile(1)))
}
