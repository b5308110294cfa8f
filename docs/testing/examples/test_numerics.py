# test_numerics.py: one kernel tested over dtypes and devices, tolerance per dtype
import pytest
import torch

# (rtol, atol) against a float64 reference; bf16 keeps 8 significant bits, fp16 11
TOL = {
    torch.float32: (1e-5, 1e-6),
    torch.bfloat16: (2e-2, 1e-2),
    torch.float16: (2e-3, 1e-3),
}


def rms_norm(x, weight, eps=1e-6):
    # the code under test: compute in float32, return the input dtype
    xf = x.float()
    scale = torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return (xf * scale).to(x.dtype) * weight


def rms_norm_reference(x, weight, eps=1e-6):
    x64, w64 = x.double(), weight.double()
    return x64 / torch.sqrt(x64.pow(2).mean(-1, keepdim=True) + eps) * w64


@pytest.mark.parametrize("dtype", list(TOL), ids=lambda d: str(d).split(".")[-1])
def test_rms_norm_matches_float64(dtype, device):
    x = (torch.randn(4, 64) * 30).to(device, dtype)
    w = torch.rand(64).to(device, dtype)
    out = rms_norm(x, w)
    assert out.dtype == dtype
    rtol, atol = TOL[dtype]
    torch.testing.assert_close(out.double(), rms_norm_reference(x, w), rtol=rtol, atol=atol)


def test_tolerance_catches_a_real_bug():
    # dividing by the mean of |x| instead of the RMS is a plausible typo; the
    # float32 tolerance must be tight enough to reject it
    x, w = torch.randn(4, 64), torch.ones(64)
    wrong = x / x.abs().mean(-1, keepdim=True)
    with pytest.raises(AssertionError):
        torch.testing.assert_close(wrong.double(), rms_norm_reference(x, w),
                                   rtol=TOL[torch.float32][0], atol=TOL[torch.float32][1])


@pytest.mark.slow
def test_fp16_overflows_where_bf16_does_not():
    # float16 tops out at 65504; bfloat16 has float32's exponent range
    x = torch.full((8,), 300.0)
    assert torch.isinf((x.half() * x.half())).all()
    assert torch.isfinite(x.bfloat16() * x.bfloat16()).all()
