"""Every state change of schedules, one module per kind of change.

generation: the rotation applied to stored shifts (generate, regenerate, horizons).
roster: officers on shifts, a shift's holder and lock, with optimistic versions.
requests: swap and blackout requests, their decisions and what they move.
storage: how generation stores rows fast (COPY, raw SQL, compiled reads).
Page, API, admin, command and task call these same functions.
"""
