// Package version reports the build's version and revision. The values live
// in github.com/prometheus/common/version, as in every Prometheus exporter,
// so that its build-info collector and start-up log line report them.
package version

import (
	"runtime"

	promversion "github.com/prometheus/common/version"
)

// Version and Revision may be set at link time:
//
//	go build -ldflags "-X github.com/prometheus/common/version.Version=v0.1.0 -X github.com/prometheus/common/version.Revision=$(git rev-parse HEAD)"
//
// (the Dockerfile does). The variables here remain for older build scripts:
// a value set on them is copied to prometheus/common/version when that is
// unset. Without either, the version is "dev" and the revision the VCS
// revision the Go toolchain recorded.
var (
	Version  = ""
	Revision = ""
)

func init() {
	if promversion.Version == "" {
		promversion.Version = Version
	}
	if promversion.Version == "" {
		promversion.Version = "dev"
	}
	if promversion.Revision == "" {
		promversion.Revision = Revision
	}
}

// Info describes the running build.
type Info struct {
	Version   string
	Revision  string
	GoVersion string
}

// Get returns the build information.
func Get() Info {
	rev := promversion.GetRevision()
	if rev == "" {
		rev = "unknown"
	}
	return Info{Version: promversion.Version, Revision: rev, GoVersion: runtime.Version()}
}
