"""Weight initialisation as PyTorch code writes it: model.apply with nn.init functions, .data.normal_,
in-place scaling under no_grad, and checks of the statistics each scheme promises."""

import math

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, 3, padding=1)
        self.bn = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(256, 512)
        self.fc2 = nn.Linear(512, 256)
        self.emb = nn.Embedding(1000, 64)
        self.rnn = nn.LSTM(64, 64)


def init_weights(m):
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if m.bias is not None:
            nn.init.constant_(m.bias, 0)
    elif isinstance(m, nn.BatchNorm2d):
        m.weight.data.fill_(1.0)
        m.bias.data.zero_()
    elif isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("tanh"))
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Embedding):
        m.weight.data.normal_(0, 0.02)
    elif isinstance(m, nn.LSTM):
        for name, param in m.named_parameters():
            if "weight_hh" in name:
                nn.init.orthogonal_(param)
            elif "weight_ih" in name:
                nn.init.xavier_normal_(param)
            else:
                param.data.fill_(0)
                n = param.size(0)
                param.data[n // 4 : n // 2].fill_(1.0)  # forget-gate bias


torch.manual_seed(0)
net = Net()
returned = net.apply(init_weights)
assert returned is net
with torch.no_grad():
    for name, p in net.named_parameters():
        if name.startswith("fc2"):
            p.mul_(0.5)
    net.fc1.weight.clamp_(-0.05, 0.05)
    net.fc1.weight.uniform_(-0.01, 0.01)

conv_std = net.conv.weight.std().item()
print(f"conv std {conv_std:.4f} (kaiming fan_out: {math.sqrt(2 / (64 * 9)):.4f})")
fc2_bound = 0.5 * (5 / 3) * math.sqrt(6 / (512 + 256))
print(f"fc2 max {net.fc2.weight.abs().max().item():.4f} (bound {fc2_bound:.4f})")
w_hh = net.rnn.weight_hh_l0
gram = w_hh.t() @ w_hh  # (4h, h): orthogonal columns
eye_gap = (gram - torch.eye(64)).abs().max().item()
forget = net.rnn.bias_ih_l0[64:128]
assert torch.all(forget == 1) and net.rnn.bias_ih_l0[:64].sum() == 0
assert net.fc1.weight.abs().max() <= 0.01 and net.bn.weight.eq(1).all()
assert net.fc1.weight.requires_grad and net.fc1.weight.grad is None
print(f"METRIC conv_std {conv_std:.5f}")
print(f"METRIC fc2_absmax_ratio {net.fc2.weight.abs().max().item() / fc2_bound:.5f}")
print(f"METRIC emb_std {net.emb.weight.std().item():.5f}")
print(f"METRIC orthogonal_gap {eye_gap:.6f}")
print(f"METRIC fc1_mean_abs {net.fc1.weight.abs().mean().item():.5f}")
