package server

import (
	"context"
	"fmt"
	"strings"
	"time"
)

const seedBatch = 200

// Seed inserts the deterministic users 1..n that are missing, in batches inside one
// transaction. A database that already holds them is left as it is, so restarts are fast.
func (s *sqlStore) Seed(ctx context.Context, n int) error {
	if n <= 0 {
		return nil
	}
	var have int
	if err := s.w.QueryRowContext(ctx, s.q.seedCount, n).Scan(&have); err != nil {
		return fmt.Errorf("seed: count users: %w", err)
	}
	if have >= n {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	for from := 1; from <= n; from += seedBatch {
		to := min(n, from+seedBatch-1)
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", to-from+1), ", ")
		query := s.d.rebind(s.d.insertIgnoreRows(s.prefix+"users", s.q.seedHead, values))
		args := make([]any, 0, 13*(to-from+1))
		for uid := int64(from); uid <= int64(to); uid++ {
			p := SeedProfile(uid)
			args = append(args, uid, SeedPhone(uid), p.Name, p.Gender, p.Age, p.Lat, p.Lng, p.Bio,
				p.PrefGender, p.MinAge, p.MaxAge, p.MaxDistanceKM, now)
		}
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("seed users %d-%d: %w", from, to, err)
		}
	}
	if s.d.afterSeed != "" {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(s.d.afterSeed, s.prefix+"users")); err != nil {
			return fmt.Errorf("seed: reset uid sequence: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}
