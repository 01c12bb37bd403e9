"""The baseline for bench/ingest.py: a FastAPI endpoint that does nothing with the body."""

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/api/v1/counts")
async def counts(request: Request):
    await request.body()
    return {"accepted": []}
