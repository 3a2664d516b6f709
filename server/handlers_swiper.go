package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/internal/lazyregexp"
	"github.com/loadtestdev/loadtest/server/auth"
)

var (
	phonePattern = lazyregexp.New(`^\+?[0-9]{6,15}$`)
	codePattern  = lazyregexp.New(`^[0-9]{6}$`)
)

type vcodeRequest struct {
	Phone string `json:"phone"`
}

type loginRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

type swipeRequest struct {
	SID int64 `json:"sid"`
}

func (vcodeRequest) shape() string { return `a JSON object {"phone": "..."}` }
func (loginRequest) shape() string { return `a JSON object {"phone": "...", "code": "..."}` }
func (swipeRequest) shape() string { return `a JSON object {"sid": UID}` }

func validPhone(w http.ResponseWriter, phone string) bool {
	if !phonePattern.MatchString(phone) {
		writeError(w, http.StatusBadRequest, "phone: want 6 to 15 digits, optionally after a +")
		return false
	}
	return true
}

// handleVcode stores a 6-digit login code for the phone. A real app would text it; with
// --dev the response carries it so scenarios can log in.
func (s *Server) handleVcode(w http.ResponseWriter, r *http.Request) {
	var req vcodeRequest
	if !decodeJSON(w, r, &req) || !validPhone(w, req.Phone) {
		return
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		s.internalError(w, "random", err)
		return
	}
	code := fmt.Sprintf("%06d", n.Int64())
	if err := s.cache.SetCode(r.Context(), req.Phone, code); err != nil {
		s.internalError(w, "cache", err)
		return
	}
	resp := map[string]any{"sent": true, "expires_in_seconds": int(s.opts.CodeTTL.Seconds())}
	if s.opts.Dev {
		resp["code"] = code
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleLogin checks the code (each code works once), creates the user on first login and
// returns a signed session token.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeJSON(w, r, &req) || !validPhone(w, req.Phone) {
		return
	}
	if !codePattern.MatchString(req.Code) {
		writeError(w, http.StatusBadRequest, "code: want 6 digits")
		return
	}
	code, ok, err := s.cache.TakeCode(r.Context(), req.Phone)
	if err != nil {
		s.internalError(w, "cache", err)
		return
	}
	if !ok || subtle.ConstantTimeCompare([]byte(code), []byte(req.Code)) != 1 {
		writeError(w, http.StatusUnauthorized, "code: wrong or expired; request a new one")
		return
	}
	uid, created, err := s.store.LoginUser(r.Context(), req.Phone)
	if err != nil {
		s.internalError(w, "database", err)
		return
	}
	expiry := time.Now().Add(s.opts.TokenTTL)
	writeJSON(w, http.StatusOK, map[string]any{
		"uid": uid, "token": auth.Mint(s.secret, uid, expiry), "expires_at": expiry.UTC().Format(time.RFC3339), "new_user": created,
	})
}

// authed wraps a handler that needs the caller's uid from a valid bearer token.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, uid int64)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "missing bearer token: send Authorization: Bearer TOKEN from /api/user/login")
			return
		}
		uid, err := auth.Verify(s.secret, token, time.Now())
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, strings.TrimPrefix(err.Error(), "auth: "))
			return
		}
		h(w, r, uid)
	}
}

// bearerToken returns the token of an Authorization header of the Bearer scheme. The scheme
// is case-insensitive and separated from the token by one or more spaces (RFC 9110 §11.1,
// §11.4; RFC 6750 §2.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimLeft(token, " ")
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// profile reads a profile cache-aside: the cache, then the database, filling the cache.
func (s *Server) profile(ctx context.Context, uid int64) (Profile, []byte, error) {
	data, hit, err := s.cache.Profile(ctx, uid)
	var p Profile
	if err == nil && hit && json.Unmarshal(data, &p) == nil {
		s.metrics.cacheHits.Inc()
		return p, data, nil
	}
	s.metrics.cacheMisses.Inc()
	if p, err = s.store.User(ctx, uid); err != nil {
		return p, nil, err
	}
	data = profileJSON(p)
	s.cache.SetProfiles(ctx, map[int64][]byte{uid: data}) // a failed fill costs only a miss
	return p, data, nil
}

// profileError answers a failed profile read.
func (s *Server) profileError(w http.ResponseWriter, uid int64, err error) {
	if errors.Is(err, errNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("user %d not found", uid))
		return
	}
	s.internalError(w, "database", err)
}

func (s *Server) handleProfileGet(w http.ResponseWriter, r *http.Request, uid int64) {
	_, data, err := s.profile(r.Context(), uid)
	if err != nil {
		s.profileError(w, uid, err)
		return
	}
	writeRawJSON(w, http.StatusOK, data)
}

// handleProfilePut validates the patch against the stored profile, writes the database and
// invalidates the cached copy.
func (s *Server) handleProfilePut(w http.ResponseWriter, r *http.Request, uid int64) {
	var patch ProfilePatch
	if !decodeJSON(w, r, &patch) {
		return
	}
	current, err := s.store.User(r.Context(), uid)
	if err != nil {
		s.profileError(w, uid, err)
		return
	}
	next, err := patch.Apply(current)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.store.UpdateUser(r.Context(), next); err != nil {
		s.profileError(w, uid, err)
		return
	}
	if err := s.cache.DeleteProfile(r.Context(), uid); err != nil {
		s.internalError(w, "cache", err)
		return
	}
	writeJSON(w, http.StatusOK, next)
}

// handleRcmd recommends up to 20 users passing the caller's gender, age and distance
// filters whom the caller has not swiped yet.
func (s *Server) handleRcmd(w http.ResponseWriter, r *http.Request, uid int64) {
	me, _, err := s.profile(r.Context(), uid)
	if err != nil {
		s.profileError(w, uid, err)
		return
	}
	// The query filters by a bounding box; about 1 in 5 of its corners falls outside the
	// circle, so ask for more than needed and check the exact distance here.
	candidates, err := s.store.Candidates(r.Context(), me, 5*rcmdLimit)
	if err != nil {
		s.internalError(w, "database", err)
		return
	}
	users := make([]Profile, 0, rcmdLimit)
	for _, c := range candidates {
		if len(users) < rcmdLimit && me.matches(c) {
			users = append(users, c)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
}

// swipeHandler records a like, dislike or superlike. A repeat is idempotent: 200, one row,
// no extra rank points.
func (s *Server) swipeHandler(kind string) func(http.ResponseWriter, *http.Request, int64) {
	return func(w http.ResponseWriter, r *http.Request, uid int64) {
		var req swipeRequest
		if !decodeJSON(w, r, &req) {
			return
		}
		switch {
		case req.SID <= 0:
			writeError(w, http.StatusBadRequest, "sid: want the positive uid of the user swiped")
			return
		case req.SID == uid:
			writeError(w, http.StatusBadRequest, "sid: cannot swipe yourself")
			return
		}
		exists, err := s.store.UserExists(r.Context(), req.SID)
		if err != nil {
			s.internalError(w, "database", err)
			return
		}
		if !exists {
			writeError(w, http.StatusNotFound, fmt.Sprintf("sid: user %d not found", req.SID))
			return
		}
		recorded, matched, err := s.store.Swipe(r.Context(), uid, req.SID, kind)
		if err != nil {
			s.internalError(w, "database", err)
			return
		}
		if recorded && positiveKind(kind) {
			points := float64(likePoints)
			if kind == KindSuperlike {
				points = superlikePoints
			}
			if err := s.cache.AddRank(r.Context(), req.SID, points); err != nil {
				s.internalError(w, "cache", err)
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]bool{"matched": matched})
	}
}

func (s *Server) handleFriends(w http.ResponseWriter, r *http.Request, uid int64) {
	friends, err := s.store.Friends(r.Context(), uid)
	if err != nil {
		s.internalError(w, "database", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"friends": friends})
}

func (s *Server) handleRank(w http.ResponseWriter, r *http.Request, _ int64) {
	top, err := s.cache.TopRank(r.Context(), rankLimit)
	if err != nil {
		s.internalError(w, "cache", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rank": top})
}
