// Package report is what every program under test/go shares: the flags that say how to reach
// the broker (bootstrap address, an optional SASL/PLAIN login) and the JSON lines a program
// prints for the vitest test that runs it (test/helpers/go-client.ts reads them).
package report

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

var (
	bootstrap = flag.String("bootstrap", "127.0.0.1:9092", "broker address")
	saslUser  = flag.String("sasl-user", "", "SASL/PLAIN user (empty: no SASL)")
	saslPass  = flag.String("sasl-password", "", "SASL/PLAIN password")
	mu        sync.Mutex
	out       = json.NewEncoder(os.Stdout)
)

// ClientOpts are the options every program starts from: the broker, and the login when asked.
func ClientOpts() []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(*bootstrap), kgo.ClientID("samsa-franz-go-test")}
	// FRANZ_GO_LOG=debug (or info, warn, error) sends franz-go's own log to stderr, for a person
	// finding out why a test failed; the tests read stdout only.
	levels := map[string]kgo.LogLevel{"debug": kgo.LogLevelDebug, "info": kgo.LogLevelInfo, "warn": kgo.LogLevelWarn, "error": kgo.LogLevelError}
	if level, ok := levels[os.Getenv("FRANZ_GO_LOG")]; ok {
		opts = append(opts, kgo.WithLogger(kgo.BasicLogger(os.Stderr, level, nil)))
	}
	if *saslUser != "" {
		opts = append(opts, kgo.SASL(plain.Auth{User: *saslUser, Pass: *saslPass}.AsMechanism()))
	}
	return opts
}

// Emit prints one JSON line; safe from franz-go's callback goroutines.
func Emit(line map[string]any) {
	mu.Lock()
	defer mu.Unlock()
	_ = out.Encode(line)
}

// Error describes err as the application sees it: the text, and when it carries a Kafka error
// code, that code's name and whether Kafka counts it retriable (franz-go retries those itself, so
// the application only sees one once retries are exhausted).
func Error(err error) map[string]any {
	described := map[string]any{"error": err.Error(), "code": "", "retriable": false}
	var kafkaErr *kerr.Error
	if errors.As(err, &kafkaErr) {
		described["code"] = kafkaErr.Message
		described["retriable"] = kafkaErr.Retriable
	}
	return described
}

// UntilStopped is the context a program works in: done at the deadline, or when the test asks
// the program to finish (SIGTERM), so it can still commit, acknowledge and leave its group.
func UntilStopped(deadline time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// Fail prints a fatal error line and exits non-zero.
func Fail(step string, err error) {
	line := Error(err)
	line["fatal"] = step
	Emit(line)
	os.Exit(1)
}
