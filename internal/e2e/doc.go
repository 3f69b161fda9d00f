// Package e2e holds black-box reliability and security tests of the
// hogsend-db binary: it is built once per test binary and run as real
// processes against real PostgreSQL (concurrency, kill -9, server-side
// session ends, server restarts, signals, bad input, secrets).
//
// The package has no API; see docs/guarantees.md for what each test proves.
package e2e
