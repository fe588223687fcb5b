//go:build !unix

package scoring

import "time"

// processCPU is not measured here; BenchmarkScore then reports wall-clock
// figures only.
func processCPU() time.Duration { return 0 }
