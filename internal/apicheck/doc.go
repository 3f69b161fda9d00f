// Package apicheck holds no code, only tests that keep docs/ARCHITECTURE.md
// true: every Go signature the page shows compiles (apicheck_test.go), its
// package table lists every package of the module with the module packages
// and third-party modules each one imports (table_test.go), and no package
// outside internal/ but the main packages depends on Atlas (atlas_test.go).
package apicheck
