//go:build race

package main

// raceEnabled: the race detector slows the pure-Go SQLite about tenfold,
// so the tests that size a store by default make it smaller under -race.
const raceEnabled = true
