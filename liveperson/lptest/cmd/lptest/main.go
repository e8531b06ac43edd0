// Command lptest serves an in-memory LivePerson (package
// github.com/lpedge/lpedge/liveperson/lptest) with a demo configuration,
// for the demo shop and for trying clients by hand:
//
//	go run ./liveperson/lptest/cmd/lptest [-addr 127.0.0.1:8081] [-webhooks http://127.0.0.1:8080/webhooks/liveperson]
//
// With -webhooks it POSTs every conversation change there as LivePerson's
// webhooks do, signed with the client secret it prints. It prints the Domain API address, the account, app and client
// credentials, the engagements and the inspector's addresses, and stops on
// Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// DefaultAddr is where the command listens unless -addr says otherwise.
const DefaultAddr = "127.0.0.1:8081"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lptest:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("lptest", flag.ContinueOnError)
	addr := flags.String("addr", DefaultAddr, "address to listen on")
	webhooks := flags.String("webhooks", "", "URL to POST LivePerson's webhook notifications to (none when empty)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	opts := []lptest.Option{lptest.WithEngagement(append(lptest.DemoEngagements(), lptest.Everyone)...)}
	if *webhooks != "" {
		if u, err := url.Parse(*webhooks); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("-webhooks: want an absolute http or https URL, got %q", *webhooks)
		}
		opts = append(opts, lptest.WithWebhooks(*webhooks))
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := lptest.NewUnstartedServer(opts...)
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	banner(out, srv, *webhooks)
	<-ctx.Done()
	fmt.Fprintln(out, "lptest: stopped")
	return nil
}

// banner prints what the server serves.
func banner(w io.Writer, srv *lptest.Server, webhooks string) {
	cfg := srv.Config()
	fmt.Fprintf(w, "lptest: an in-memory LivePerson on %s\n", srv.URL)
	for _, account := range sortedKeys(cfg.Accounts) {
		fmt.Fprintf(w, "  Domain API    %s/api/account/%s/service/baseURI.json?version=1.0\n", srv.URL, account)
		fmt.Fprintf(w, "                (services %v all have baseURI %s; clients use http)\n", cfg.Services, srv.Host())
		fmt.Fprintf(w, "  account       %s\n", account)
		fmt.Fprintf(w, "  app           %v (Monitoring appInstallationId)\n", cfg.Accounts[account])
	}
	for _, id := range sortedKeys(cfg.Clients) {
		fmt.Fprintf(w, "  client        id %s secret %s (Sentinel client credentials)\n", id, cfg.Clients[id])
	}
	for _, e := range cfg.Engagements {
		fmt.Fprintf(w, "  engagement    %v\n", e)
	}
	if webhooks != "" {
		fmt.Fprintf(w, "  webhooks      %s (signed with the client secret; deliveries at %s/lptest/webhooks)\n", webhooks, srv.URL)
	} else {
		fmt.Fprintf(w, "  webhooks      none (-webhooks URL sends them)\n")
	}
	fmt.Fprintf(w, "  agent view    %s/lptest/ (accept, reply, close; POST /lptest/conversations/{id}/agent)\n", srv.URL)
	fmt.Fprintf(w, "  inspector     %s/lptest/calls (also /lptest/visitors, /lptest/conversations, /lptest/faults, POST /lptest/reset)\n", srv.URL)
	fmt.Fprintln(w, "Ctrl-C stops it.")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
