//go:build !(linux || darwin || freebsd)

package eventlog

// diskFree cannot tell on this platform: the doctor then retries on its
// backoff alone.
func diskFree(string) (uint64, bool) { return 0, false }
