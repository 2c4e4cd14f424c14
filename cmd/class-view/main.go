// Command class-view serves the teacher's live view of a class on
// JupyterHub (package classview): for hub admins only, through the hub's
// OAuth, who is online, what each student used of the class relay today,
// the quiz progress per question as students answer (graded again with the
// lesson's own questions), and the class's gradebook to download.
//
// JupyterHub runs it as a managed service, as root so that it may read the
// students' homes; classroom/class_view_service.py makes the entry:
//
//	c.JupyterHub.services = [{
//	    "name": "class-view",
//	    "url": "http://127.0.0.1:10102",
//	    "command": ["/opt/golessons/bin/class-view"],
//	    "environment": {"CLASS_VIEW_CONFIG_JSON": '{"lessons": ["/opt/golessons/src/notebooks"]}'},
//	    "oauth_no_confirm": True,
//	}]
//	c.JupyterHub.load_roles = [{"name": "class-view-service", "services": ["class-view"],
//	    "scopes": ["list:users", "read:users", "read:servers"]}]
//
// and the hub sets JUPYTERHUB_API_TOKEN, JUPYTERHUB_API_URL,
// JUPYTERHUB_CLIENT_ID, JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_SERVICE_URL,
// JUPYTERHUB_OAUTH_CALLBACK_URL and JUPYTERHUB_OAUTH_ACCESS_SCOPES. Teachers
// open http://<hub>/services/class-view/.
//
// Usage:
//
//	class-view [-config class-view.json] [-listen 127.0.0.1:10102] [-check]
//
// Flags:
//
//	-config FILE   the JSON config file (default $CLASS_VIEW_CONFIG; none: the JSON in
//	               $CLASS_VIEW_CONFIG_JSON); it must list the lessons
//	-listen ADDR   listen here instead of the config's listen
//	-check         check the config, read the class once, say what was found, and exit
//
// The classview package documentation describes every config field. It
// stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/classview"
	"github.com/k12notebooks/golessons/internal/serve"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// interrupt returns a context that ends on SIGINT or SIGTERM; tests replace it.
var interrupt = serve.Interrupt

// run runs the class view as args say and returns the exit status: 0 after a
// clean stop, 1 on an error, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	fl := serve.NewFlags("class-view", stderr,
		"usage: class-view [-config class-view.json] [-listen host:port] [-check]",
		"Serves the teacher's live view of the class, for hub admins, as a JupyterHub service.")
	file := fl.String("config", os.Getenv(classview.EnvConfig), "JSON config file; it must list the lessons (see the classview package documentation)")
	listen := serve.ListenFlag(fl)
	check := fl.Bool("check", false, "check the config, read the class once, print what was found, and exit")
	if exit, ok := serve.Parse(fl, args); !ok {
		return exit
	}
	cfg, err := classview.LoadConfig(*file, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "class-view: %v\n", err)
		return 1
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	logger := log.New(stderr, "", log.LstdFlags)
	srv, err := classview.New(cfg, classview.Options{HubToken: hub.Secret(os.Getenv(classview.EnvAPIToken)), Logf: logger.Printf})
	if err != nil {
		fmt.Fprintf(stderr, "class-view: %v\n", err)
		return 1
	}
	if *check {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Refresh(ctx)
		fmt.Fprintln(stdout, srv.Describe())
		fmt.Fprintln(stdout, srv.Summary())
		return 0
	}
	if err := listenAndServe(srv, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "class-view: %v\n", err)
		return 1
	}
	return 0
}

// listenAndServe listens, reads the class and serves until interrupted;
// open pages' event streams end with it.
func listenAndServe(srv *classview.Server, cfg classview.Config, stdout, stderr io.Writer) error {
	ln, err := serve.Listen(cfg.Listen)
	if err != nil {
		return err
	}
	ctx, stop := interrupt()
	defer stop()
	fmt.Fprintln(stdout, srv.Describe())
	rctx, cancel := context.WithTimeout(ctx, cfg.HubTimeout.D()+5*time.Second)
	srv.Refresh(rctx)
	cancel()
	fmt.Fprintln(stdout, srv.Summary())
	fmt.Fprintf(stdout, "Listening on http://%s%s; press Ctrl-C to stop.\n", ln.Addr(), cfg.Prefix)
	runCtx, endRun := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { srv.Run(runCtx); close(ran) }()
	hs := &serve.Server{Name: "class-view", Handler: srv, Log: stderr, Grace: 5 * time.Second, EndRequests: true}
	err = hs.Serve(ctx, ln)
	endRun()
	<-ran
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Stopped.")
	return nil
}
