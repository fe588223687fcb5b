// Package version reports the build's version and revision.
package version

import (
	"runtime"
	"runtime/debug"
)

// Version and Revision are set at link time:
//
//	go build -ldflags "-X github.com/tensiontracker/tracker/internal/version.Version=v0.1.0"
//
// When Revision is empty the VCS revision recorded by the Go toolchain is used.
var (
	Version  = "dev"
	Revision = ""
)

// Info describes the running build.
type Info struct {
	Version   string
	Revision  string
	GoVersion string
}

// Get returns the build information, filling the revision from the binary's
// embedded VCS stamp when it was not set at link time.
func Get() Info {
	info := Info{Version: Version, Revision: Revision, GoVersion: runtime.Version()}
	if info.Revision == "" {
		info.Revision = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					info.Revision = s.Value
					if len(info.Revision) > 12 {
						info.Revision = info.Revision[:12]
					}
				}
			}
		}
	}
	return info
}
