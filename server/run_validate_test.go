package server

import (
	"strings"
	"testing"
	"time"
)

// validConfig is the configuration `loadtest server` starts with by default.
func validConfig() RunConfig {
	return RunConfig{Addr: "127.0.0.1:0", Options: Options{Cache: "memory", Users: 10, MaxBodyBytes: DefaultMaxBodyBytes,
		Workers: DefaultWorkers, TaskTimeDist: TaskTimeFixed, TaskQueueMax: DefaultTaskQueueMax, TaskResultTTL: DefaultTaskResultTTL,
		TokenTTL: DefaultTokenTTL, CodeTTL: DefaultCodeTTL, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, ShutdownTimeout: 10 * time.Second}}
}

func TestRunConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*RunConfig)
		want   string // "" for valid
	}{
		{"defaults", func(*RunConfig) {}, ""},
		{"postgres and redis", func(c *RunConfig) { c.DB, c.Cache = "postgresql://u@h:5432/d", "rediss://h:6379/0" }, ""},
		{"negative users", func(c *RunConfig) { c.Users = -1 }, "--users must not be negative, got -1"},
		{"negative max inflight", func(c *RunConfig) { c.MaxInflight = -2 }, "--max-inflight must not be negative, got -2"},
		{"zero max body", func(c *RunConfig) { c.MaxBodyBytes = 0 }, "--max-body must be positive, got 0"},
		{"no workers", func(c *RunConfig) { c.Workers = 0 }, "--workers must be at least 1, got 0"},
		{"unknown dist", func(c *RunConfig) { c.TaskTimeDist = "normal" }, `--task-time-dist "normal": want fixed or exp`},
		{"no queue", func(c *RunConfig) { c.TaskQueueMax = 0 }, "--task-queue-max must be at least 1, got 0"},
		{"negative pool", func(c *RunConfig) { c.DBMaxConns = -1 }, "--db-max-conns must not be negative, got -1"},
		{"write timeout at the longest delay", func(c *RunConfig) { c.WriteTimeout = MaxDelay }, "--write-timeout 10s must exceed 10s, the longest /delay"},
		{"zero idle timeout", func(c *RunConfig) { c.IdleTimeout = 0 }, "--idle-timeout must be positive, got 0s"},
		{"unknown db", func(c *RunConfig) { c.DB = "oracle://x" }, `--db "oracle://x": want sqlite://PATH`},
		{"unknown cache", func(c *RunConfig) { c.Cache = "memcached://x" }, `--cache "memcached://x": want memory or redis://HOST:PORT/N`},
		{"no port", func(c *RunConfig) { c.Addr = "127.0.0.1" }, `--addr "127.0.0.1": want HOST:PORT: `},
		{"cert without key", func(c *RunConfig) { c.TLSCertFile = "c.pem" }, "--tls-cert c.pem needs --tls-key, the certificate's private key"},
		{"key without cert", func(c *RunConfig) { c.TLSKeyFile = "k.pem" }, "--tls-key k.pem needs --tls-cert, the certificate it belongs to"},
		{"missing cert and key files", func(c *RunConfig) { c.TLSCertFile, c.TLSKeyFile = "testdata/none.pem", "testdata/none.pem" }, "--tls-cert testdata/none.pem: no such file or directory"},
		{"two durations not positive", func(c *RunConfig) { c.ShutdownTimeout, c.TokenTTL = 0, -time.Second }, "--token-ttl must be positive, got -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
