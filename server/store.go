package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Swipe kinds, as the API's paths name them.
const (
	KindLike      = "like"
	KindDislike   = "dislike"
	KindSuperlike = "superlike"
)

// Store is the database tier: users and swipes. Implementations must be safe for concurrent use.
type Store interface {
	// Kind names the backend: "sqlite", "mysql" or "postgres".
	Kind() string
	Ping(ctx context.Context) error
	// User reads a profile by primary key; errNotFound if absent.
	User(ctx context.Context, uid int64) (Profile, error)
	// Users reads the profiles with from ≤ uid ≤ to, in uid order (for warming the cache).
	Users(ctx context.Context, from, to int64) ([]Profile, error)
	// UsersAfter reads up to limit profiles with uid > after, except uid skip, in uid order
	// (for paging the feed).
	UsersAfter(ctx context.Context, after, skip int64, limit int) ([]Profile, error)
	// UserExists reports whether uid is a user.
	UserExists(ctx context.Context, uid int64) (bool, error)
	// LoginUser returns the uid registered with phone, creating the user if there is none.
	LoginUser(ctx context.Context, phone string) (uid int64, created bool, err error)
	// UpdateUser writes every editable field of p; errNotFound if p.UID is absent.
	UpdateUser(ctx context.Context, p Profile) error
	// Swipe records uid's swipe on sid. A repeated swipe on the same sid changes nothing
	// (recorded is false). matched reports whether both have liked or superliked each other.
	Swipe(ctx context.Context, uid, sid int64, kind string) (recorded, matched bool, err error)
	// Candidates returns up to limit users passing p's gender and age filters inside the box
	// around p's location, excluding p and the users p has swiped, in uid order.
	Candidates(ctx context.Context, p Profile, limit int) ([]Profile, error)
	// Friends returns the users who matched uid (mutual likes), in uid order.
	Friends(ctx context.Context, uid int64) ([]Profile, error)
	// Seed inserts the deterministic users 1..n that are missing.
	Seed(ctx context.Context, n int) error
	// Pools names the store's connection pools for the metrics.
	Pools() map[string]*sql.DB
	Close() error
}

const profileCols = "uid, name, gender, age, lat, lng, bio, pref_gender, min_age, max_age, max_distance_km"

// sqlStore implements Store over database/sql for the three dialects. Reads go to r and writes
// to w; they are the same pool except for SQLite, whose writes go through one connection.
type sqlStore struct {
	d      *dialect
	r, w   *sql.DB
	prefix string
	q      queries
}

type queries struct {
	user, users, usersAfter, exists, byPhone, insertUser, update  string
	insertSwipe, swipePair, candidates, candidatesGender, friends string
	seedCount, seedHead                                           string
}

func newSQLStore(d *dialect, r, w *sql.DB, prefix string) *sqlStore {
	s := &sqlStore{d: d, r: r, w: w, prefix: prefix}
	u, sw := prefix+"users", prefix+"swipes"
	positive := "('" + KindLike + "','" + KindSuperlike + "')"
	candidates := "SELECT " + profileCols + " FROM " + u + " c WHERE c.uid <> ? AND c.age BETWEEN ? AND ?" +
		" AND c.lat BETWEEN ? AND ? AND c.lng BETWEEN ? AND ?%s" +
		" AND NOT EXISTS (SELECT 1 FROM " + sw + " s WHERE s.uid = ? AND s.sid = c.uid) ORDER BY c.uid LIMIT ?"
	s.q = queries{
		user:       "SELECT " + profileCols + " FROM " + u + " WHERE uid = ?",
		users:      "SELECT " + profileCols + " FROM " + u + " WHERE uid BETWEEN ? AND ? ORDER BY uid",
		usersAfter: "SELECT " + profileCols + " FROM " + u + " WHERE uid > ? AND uid <> ? ORDER BY uid LIMIT ?",
		exists:     "SELECT 1 FROM " + u + " WHERE uid = ?",
		byPhone:    "SELECT uid FROM " + u + " WHERE phone = ?",
		insertUser: d.insertIgnore(u, "phone, name, gender, age, lat, lng, bio, pref_gender, min_age, max_age, max_distance_km, created_at",
			"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"),
		update: "UPDATE " + u + " SET name = ?, gender = ?, age = ?, lat = ?, lng = ?, bio = ?, pref_gender = ?," +
			" min_age = ?, max_age = ?, max_distance_km = ? WHERE uid = ?",
		insertSwipe:      d.insertIgnore(sw, "uid, sid, kind, created_at", "?, ?, ?, ?"),
		swipePair:        "SELECT uid, kind FROM " + sw + " WHERE (uid = ? AND sid = ?) OR (uid = ? AND sid = ?)",
		candidates:       fmt.Sprintf(candidates, ""),
		candidatesGender: fmt.Sprintf(candidates, " AND c.gender = ?"),
		friends: "SELECT " + prefixCols("f.") + " FROM " + sw + " a JOIN " + sw + " b ON b.uid = a.sid AND b.sid = a.uid" +
			" JOIN " + u + " f ON f.uid = a.sid WHERE a.uid = ? AND a.kind IN " + positive + " AND b.kind IN " + positive +
			" ORDER BY f.uid LIMIT 1000",
		seedCount: "SELECT COUNT(*) FROM " + u + " WHERE uid BETWEEN 1 AND ?",
		seedHead:  "uid, phone, name, gender, age, lat, lng, bio, pref_gender, min_age, max_age, max_distance_km, created_at",
	}
	for _, p := range []*string{&s.q.user, &s.q.users, &s.q.usersAfter, &s.q.exists, &s.q.byPhone, &s.q.insertUser, &s.q.update,
		&s.q.insertSwipe, &s.q.swipePair, &s.q.candidates, &s.q.candidatesGender, &s.q.friends, &s.q.seedCount} {
		*p = d.rebind(*p)
	}
	return s
}

func prefixCols(alias string) string {
	cols := strings.Split(profileCols, ", ")
	for i := range cols {
		cols[i] = alias + cols[i]
	}
	return strings.Join(cols, ", ")
}

func (s *sqlStore) Kind() string { return s.d.name }

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return err
	}
	if s.w != s.r {
		return s.w.PingContext(ctx)
	}
	return nil
}

func (s *sqlStore) Pools() map[string]*sql.DB {
	if s.w == s.r {
		return map[string]*sql.DB{s.d.name: s.r}
	}
	return map[string]*sql.DB{s.d.name + "_read": s.r, s.d.name + "_write": s.w}
}

func (s *sqlStore) Close() error {
	err := s.r.Close()
	if s.w != s.r {
		err = errors.Join(err, s.w.Close())
	}
	return err
}

type scanner interface{ Scan(dest ...any) error }

func scanProfile(row scanner) (Profile, error) {
	var p Profile
	err := row.Scan(&p.UID, &p.Name, &p.Gender, &p.Age, &p.Lat, &p.Lng, &p.Bio, &p.PrefGender,
		&p.MinAge, &p.MaxAge, &p.MaxDistanceKM)
	return p, err
}

func (s *sqlStore) User(ctx context.Context, uid int64) (Profile, error) {
	p, err := scanProfile(s.r.QueryRowContext(ctx, s.q.user, uid))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNotFound
	}
	return p, err
}

func (s *sqlStore) queryProfiles(ctx context.Context, query string, args ...any) ([]Profile, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Profile{}
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *sqlStore) Users(ctx context.Context, from, to int64) ([]Profile, error) {
	return s.queryProfiles(ctx, s.q.users, from, to)
}

func (s *sqlStore) UsersAfter(ctx context.Context, after, skip int64, limit int) ([]Profile, error) {
	return s.queryProfiles(ctx, s.q.usersAfter, after, skip, limit)
}

func (s *sqlStore) UserExists(ctx context.Context, uid int64) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, s.q.exists, uid).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (s *sqlStore) LoginUser(ctx context.Context, phone string) (int64, bool, error) {
	var uid int64
	err := s.r.QueryRowContext(ctx, s.q.byPhone, phone).Scan(&uid)
	if err == nil {
		return uid, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	p := newUserProfile(0)
	p.Name = "New user"
	var created bool
	err = s.retry(ctx, func() error {
		res, err := s.w.ExecContext(ctx, s.q.insertUser, phone, p.Name, p.Gender, p.Age, p.Lat, p.Lng, p.Bio,
			p.PrefGender, p.MinAge, p.MaxAge, p.MaxDistanceKM, time.Now().Unix())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		created = n == 1
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("create user: %w", err)
	}
	// Read from the write pool: it has seen the insert even where reads go elsewhere.
	err = s.w.QueryRowContext(ctx, s.q.byPhone, phone).Scan(&uid)
	return uid, created, err
}

func (s *sqlStore) UpdateUser(ctx context.Context, p Profile) error {
	return s.retry(ctx, func() error {
		res, err := s.w.ExecContext(ctx, s.q.update, p.Name, p.Gender, p.Age, p.Lat, p.Lng, p.Bio, p.PrefGender,
			p.MinAge, p.MaxAge, p.MaxDistanceKM, p.UID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return errNotFound
		}
		return nil
	})
}

func positiveKind(kind string) bool { return kind == KindLike || kind == KindSuperlike }

func (s *sqlStore) Swipe(ctx context.Context, uid, sid int64, kind string) (recorded, matched bool, err error) {
	err = s.retry(ctx, func() error {
		res, err := s.w.ExecContext(ctx, s.q.insertSwipe, uid, sid, kind, time.Now().Unix())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		recorded = n == 1
		return err
	})
	if err != nil {
		return false, false, fmt.Errorf("record swipe: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, s.q.swipePair, uid, sid, sid, uid)
	if err != nil {
		return recorded, false, err
	}
	defer rows.Close()
	var mine, theirs string
	for rows.Next() {
		var who int64
		var k string
		if err := rows.Scan(&who, &k); err != nil {
			return recorded, false, err
		}
		if who == uid {
			mine = k
		} else {
			theirs = k
		}
	}
	return recorded, positiveKind(mine) && positiveKind(theirs), rows.Err()
}

func (s *sqlStore) Candidates(ctx context.Context, p Profile, limit int) ([]Profile, error) {
	minLat, maxLat, minLng, maxLng := boundingBox(p.Lat, p.Lng, float64(p.MaxDistanceKM))
	args := []any{p.UID, p.MinAge, p.MaxAge, minLat, maxLat, minLng, maxLng}
	query := s.q.candidates
	if p.PrefGender != anyGender {
		query = s.q.candidatesGender
		args = append(args, p.PrefGender)
	}
	args = append(args, p.UID, limit)
	return s.queryProfiles(ctx, query, args...)
}

func (s *sqlStore) Friends(ctx context.Context, uid int64) ([]Profile, error) {
	return s.queryProfiles(ctx, s.q.friends, uid)
}

// retry runs op again, up to four times in all, when the database reports a transient
// conflict (a deadlock, a serialization failure, a busy SQLite file).
func (s *sqlStore) retry(ctx context.Context, op func() error) error {
	var err error
	for attempt := range 4 {
		if err = op(); err == nil || !s.d.retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}
