package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// pruneLoop deletes articles older than the retention period, shortly after
// start-up and then hourly, in small batches so ingest is never held up.
func (a *App) pruneLoop(ctx context.Context) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		retention := time.Duration(a.cfg.Global.Retention)
		a.mu.Unlock()
		before := time.Now().Add(-retention)
		n, err := a.db.Prune(ctx, before, 1000)
		if err != nil {
			a.Log.Error("prune old articles", "before", before.UTC().Format(time.RFC3339), "err", err)
		} else if n > 0 {
			a.Log.Info("pruned old articles", "deleted", n, "before", before.UTC().Format(time.RFC3339))
		}
		t.Reset(time.Hour)
	}
}

// defaultConfigPollInterval is how often the config file is checked for
// changes. Polling the content (not inotify) also sees the symlink swaps
// that Kubernetes ConfigMaps and config-management tools do.
const defaultConfigPollInterval = 3 * time.Second

// watchConfig reloads the config when the content of the config file or of
// a lexicon file it references changes and then
// stays the same for one more poll (so an editor's partial writes are not
// applied). A rejected content is not retried until it changes again.
func (a *App) watchConfig(ctx context.Context) {
	every := a.ConfigPollInterval
	if every <= 0 {
		every = defaultConfigPollInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var pending, rejected [32]byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		current, files := a.cfgHash, a.cfgFiles
		a.mu.Unlock()
		h, err := hashFiles(a.ConfigPath, files[1:])
		if err != nil {
			continue // mid-replace or deleted: the running config stays
		}
		if h == current {
			// The files are back to the running config (a bad edit
			// reverted byte for byte): what runs is what the files say,
			// so the reload gauge must say so too.
			a.reloadM.Running()
			pending, rejected = [32]byte{}, [32]byte{}
			continue
		}
		if h == rejected {
			pending = [32]byte{}
			continue
		}
		if h != pending {
			pending = h
			continue
		}
		a.Log.Info("config file changed, reloading", "file", a.ConfigPath)
		if err := a.Reload(ctx); err != nil {
			rejected = h
		}
		pending = [32]byte{}
	}
}

// notifySIGHUP starts catching SIGHUP; it is called before the tracker
// reports ready, so a SIGHUP sent after that never kills the process.
func notifySIGHUP() chan os.Signal {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup
}

// reloadOnSIGHUP reloads the config on SIGHUP, as Prometheus does.
func (a *App) reloadOnSIGHUP(ctx context.Context, hup chan os.Signal) {
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			a.Log.Info("SIGHUP received, reloading config", "file", a.ConfigPath)
			_ = a.Reload(ctx) // logged and counted by Reload
		}
	}
}
